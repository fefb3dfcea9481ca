import { KnownAddresses } from '../../src/desk/sign-in/known-addresses';
import { RefusalTally } from '../../src/desk/sign-in/refusal-tally';
import type { Logger } from '../../src/common/log';
import { MemoryDeskStore } from '../../src/backend/memory/desk-store';
import { hashPassword } from '../../src/desk/sign-in/password';
import { CHECK_SLOTS, SignIns, type SignInsOptions } from '../../src/desk/sign-in/sign-in';
import { SignInLimits, type SignInPolicy } from '../../src/desk/sign-in/sign-in-limits';
import type { SlotLimits } from '../../src/desk/sign-in/check-slots';
import { newToken, sameToken, tokenId } from '../../src/desk/sign-in/tokens';
import { memoryBackend } from '../../src/backend/memory';
import { cheapHash, DESK_PASSWORD, SIGN_IN_SECRET, SIGN_IN_TEST_POLICY, WIDE_SLOTS } from '../helpers/desk';

const PASSWORD = DESK_PASSWORD;
const SECRET = SIGN_IN_SECRET;
const POLICY = SIGN_IN_TEST_POLICY;
const WIDE = WIDE_SLOTS;

let hash: string;
beforeAll(async () => {
  hash = await cheapHash();
});

interface SetUp {
  signIns: SignIns;
  store: MemoryDeskStore;
  /** Passwords checked against a hash so far. */
  checks: () => number;
}

/** Sign-ins for alice, whose password checks are counted (and, with `checkMs`, take that long). */
function setUp(
  options: {
    policy?: SignInPolicy;
    slots?: SlotLimits;
    checkMs?: number;
    users?: SignInsOptions['users'];
    knownAddresses?: KnownAddresses;
  } = {},
): SetUp {
  const store = new MemoryDeskStore(() => Date.now());
  let checks = 0;
  const limits = new SignInLimits(memoryBackend().limiter, options.policy ?? POLICY);
  const signIns = new SignIns({
    store,
    users: options.users ?? [{ name: 'alice', hash }],
    ttlSeconds: 3600,
    secret: SECRET,
    limits,
    slots: options.slots ?? WIDE,
    ...(options.knownAddresses && { knownAddresses: options.knownAddresses }),
    verify: async (password, h) => {
      checks++;
      if (options.checkMs !== undefined) await new Promise((r) => setTimeout(r, options.checkMs));
      return password === PASSWORD && h === hash;
    },
  });
  return { signIns, store, checks: () => checks };
}

describe('desk sign-ins', () => {
  afterEach(() => jest.useRealTimers());

  test('the right password makes a sign-in that the cookie token finds until it expires', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const { signIns } = setUp();
    const attempt = await signIns.attempt('alice', PASSWORD, '10.0.0.1');
    if (!attempt.ok) throw new Error(`refused: ${attempt.why}`);
    expect(attempt.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await signIns.find(attempt.token)).toEqual({ id: attempt.id, session: attempt.session });
    expect(attempt.session).toMatchObject({ user: 'alice', expiresAt: attempt.session.createdAt + 3600_000 });
    jest.advanceTimersByTime(3600_000);
    expect(await signIns.find(attempt.token)).toBeNull();
  });

  test('the real password check (scrypt) is what checks by default', async () => {
    const store = new MemoryDeskStore();
    const limits = new SignInLimits(memoryBackend().limiter);
    const signIns = new SignIns({ store, users: [{ name: 'alice', hash }], ttlSeconds: 60, secret: SECRET, limits });
    expect(await signIns.attempt('alice', PASSWORD, '10.0.0.1')).toMatchObject({ ok: true });
    expect(await signIns.attempt('alice', 'nope', '10.0.0.1')).toMatchObject({ ok: false, why: 'wrong' });
  });

  test('the store keeps the hash of the token, never the token', async () => {
    const { store, signIns } = setUp();
    const attempt = await signIns.attempt('alice', PASSWORD, '10.0.0.1');
    if (!attempt.ok) throw new Error('refused');
    expect(attempt.id).toBe(tokenId(attempt.token));
    const kept = JSON.stringify([...(store as unknown as { sessions: Map<string, unknown> }).sessions]);
    expect(kept).not.toContain(attempt.token);
    expect(await store.getSession(attempt.id)).toEqual(attempt.session);
  });

  test('a forged, malformed or signed-out token finds nothing', async () => {
    const { signIns } = setUp();
    const attempt = await signIns.attempt('alice', PASSWORD, '10.0.0.1');
    if (!attempt.ok) throw new Error('refused');
    expect(await signIns.find(newToken())).toBeNull();
    expect(await signIns.find(undefined)).toBeNull();
    expect(await signIns.find('not a token')).toBeNull();
    expect(await signIns.find(`${attempt.token.slice(0, -1)}${attempt.token.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(await signIns.holds(attempt.id)).toBe(true);
    await signIns.signOut(attempt.id);
    expect(await signIns.find(attempt.token)).toBeNull();
    expect(await signIns.holds(attempt.id)).toBe(false);
  });

  test('a sign-in of an account since removed from DESK_USERS no longer holds', async () => {
    const { store, signIns } = setUp();
    const attempt = await signIns.attempt('alice', PASSWORD, '10.0.0.1');
    if (!attempt.ok) throw new Error('refused');
    const without = new SignIns({
      store,
      users: [{ name: 'bob', hash }],
      ttlSeconds: 3600,
      secret: SECRET,
      limits: new SignInLimits(memoryBackend().limiter),
    });
    expect(await without.find(attempt.token)).toBeNull();
  });

  test("a new password for an account ends the sign-ins made with the old one (the page's live check too)", async () => {
    const { store, signIns } = setUp();
    const attempt = await signIns.attempt('alice', PASSWORD, '10.0.0.1');
    if (!attempt.ok) throw new Error('refused');
    const limits = new SignInLimits(memoryBackend().limiter);
    const same = new SignIns({ store, users: [{ name: 'alice', hash }], ttlSeconds: 3600, secret: SECRET, limits });
    expect(await same.find(attempt.token)).not.toBeNull();
    const changed = await hashPassword('a new password for alice', { log2N: 10, r: 8, p: 1 });
    const after = new SignIns({ store, users: [{ name: 'alice', hash: changed }], ttlSeconds: 3600, secret: SECRET, limits });
    expect(await after.find(attempt.token)).toBeNull();
    expect(await after.holds(attempt.id)).toBe(false);
    // The session keeps a keyed digest of the account's hash, never the hash.
    expect(JSON.stringify(await store.getSession(attempt.id))).not.toContain(hash.split('.')[5]);
  });

  test('a wrong password and an unknown name are refused alike', async () => {
    const { signIns } = setUp();
    expect(await signIns.attempt('alice', 'wrong password!', '10.0.0.1')).toEqual({ ok: false, why: 'wrong', known: true });
    expect(await signIns.attempt('mallory', PASSWORD, '10.0.0.2')).toEqual({ ok: false, why: 'wrong', known: false });
  });
});

describe('failed sign-ins slow down the name and address they come from, never the right password elsewhere', () => {
  afterEach(() => jest.useRealTimers());

  test('five failures from one address make that name wait there, longer each time; from another address the right password is taken at once', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const { signIns, checks } = setUp();
    for (let i = 1; i <= 5; i++) expect(await signIns.attempt('alice', `guess ${i}`, '203.0.113.9')).toMatchObject({ why: 'wrong' });
    expect(await signIns.attempt('alice', 'guess 6', '203.0.113.9')).toMatchObject({ why: 'locked', retryAfterSeconds: 60 });
    // The right password from that address waits too; from any other, it is never held back by a stranger's failures.
    expect(await signIns.attempt('alice', PASSWORD, '203.0.113.9')).toMatchObject({ why: 'locked', by: 'name-and-address' });
    expect(await signIns.attempt('alice', PASSWORD, '10.9.9.9')).toMatchObject({ ok: true });
    // The name is matched whatever its letter case.
    expect(await signIns.attempt('ALICE', PASSWORD, '203.0.113.9')).toMatchObject({ why: 'locked' });
    expect(checks()).toBe(6);
    jest.advanceTimersByTime(30_000);
    expect(await signIns.attempt('alice', 'guess 7', '203.0.113.9')).toMatchObject({ why: 'locked', retryAfterSeconds: 30 });
    jest.advanceTimersByTime(30_000);
    // The wait is over: five more guesses, then a wait twice as long.
    for (let i = 1; i <= 5; i++) expect(await signIns.attempt('alice', `again ${i}`, '203.0.113.9')).toMatchObject({ why: 'wrong' });
    expect(await signIns.attempt('alice', 'again 6', '203.0.113.9')).toMatchObject({ why: 'locked', retryAfterSeconds: 120 });
    jest.advanceTimersByTime(120_000);
    expect(await signIns.attempt('alice', PASSWORD, '203.0.113.9')).toMatchObject({ ok: true });
    // Signed in: that name and address start afresh.
    for (let i = 1; i <= 5; i++) expect(await signIns.attempt('alice', `late ${i}`, '203.0.113.9')).toMatchObject({ why: 'wrong' });
    expect(await signIns.attempt('alice', 'late 6', '203.0.113.9')).toMatchObject({ why: 'locked', retryAfterSeconds: 60 });
  });

  test('one address has a number of failures a day, whatever the names; other addresses are not held back', async () => {
    const { signIns } = setUp({ policy: { ...POLICY, maxPerAddressPerDay: 8 } });
    for (let i = 1; i <= 8; i++) expect(await signIns.attempt(`name${i}`, 'guess', '192.0.2.7')).toMatchObject({ why: 'wrong' });
    expect(await signIns.attempt('name9', 'guess', '192.0.2.7')).toMatchObject({ why: 'locked', by: 'address' });
    expect(await signIns.attempt('alice', PASSWORD, '192.0.2.8')).toMatchObject({ ok: true });
  });

  test('sixteen wrong guesses at once (memory): no more are checked against the hash than the limit allows', async () => {
    const { signIns, checks } = setUp({ checkMs: 20 });
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => signIns.attempt('alice', `guess ${i}`, '198.51.100.4')));
    expect(checks()).toBe(POLICY.freeFailures);
    expect(results.filter((r) => !r.ok && r.why === 'wrong')).toHaveLength(POLICY.freeFailures);
    expect(results.filter((r) => !r.ok && r.why === 'locked')).toHaveLength(16 - POLICY.freeFailures);
    // The right password from another address is still taken.
    expect(await signIns.attempt('alice', PASSWORD, '198.51.100.5')).toMatchObject({ ok: true });
  });
});

describe('a flood of sign-ins is refused before any password is checked, and agents still get in', () => {
  test('a refused attempt checks no password: waiting, or no slot free', async () => {
    const { signIns, checks } = setUp({ slots: { slots: 1, reserved: 0, maxQueued: 0, maxWaitMs: 0 }, checkMs: 50 });
    for (let i = 0; i < 5; i++) await signIns.attempt('alice', 'guess', '203.0.113.1');
    expect(checks()).toBe(5);
    expect(await signIns.attempt('alice', PASSWORD, '203.0.113.1')).toMatchObject({ why: 'locked' });
    expect(checks()).toBe(5);
    // One slot, taken: the next attempt is refused at once, unchecked, and not counted as a failure.
    const first = signIns.attempt('bob', 'guess', '203.0.113.2');
    expect(await signIns.attempt('carol', 'guess', '203.0.113.3')).toEqual({ ok: false, why: 'busy', known: false });
    await first;
    expect(checks()).toBe(6);
  });

  test('with every slot taken and its queue full, an attempt is refused before the limits are even asked', async () => {
    const store = new MemoryDeskStore();
    const limits = new SignInLimits(memoryBackend().limiter, POLICY);
    const asked = jest.spyOn(limits, 'before');
    let release = () => {};
    const signIns = new SignIns({
      store,
      users: [{ name: 'alice', hash }],
      ttlSeconds: 60,
      secret: SECRET,
      limits,
      slots: { slots: 1, reserved: 0, maxQueued: 0, maxWaitMs: 0 },
      verify: () => new Promise((r) => (release = () => r(false))),
    });
    const first = signIns.attempt('bob', 'guess', '203.0.113.2');
    await new Promise((r) => setTimeout(r, 20));
    expect(asked).toHaveBeenCalledTimes(1);
    expect(await signIns.attempt('carol', 'guess', '203.0.113.3')).toEqual({ ok: false, why: 'busy', known: false });
    expect(asked).toHaveBeenCalledTimes(1);
    release();
    await first;
  });

  test("busy is known before the form is read: a browser without a device cookie once the strangers' slot is taken, any once all are", async () => {
    const store = new MemoryDeskStore();
    const releases: (() => void)[] = [];
    const signIns = new SignIns({
      store,
      users: [{ name: 'alice', hash }],
      ttlSeconds: 60,
      secret: SECRET,
      limits: new SignInLimits(memoryBackend().limiter, POLICY),
      slots: { slots: 2, reserved: 1, maxQueued: 0, maxWaitMs: 0 },
      verify: () => new Promise((r) => releases.push(() => r(false))),
    });
    expect(await signIns.busyFor(undefined, '203.0.113.5')).toBe(false);
    const stranger = signIns.attempt('bob', 'guess', '203.0.113.2');
    await new Promise((r) => setTimeout(r, 20));
    expect(await signIns.busyFor(undefined, '203.0.113.5')).toBe(true);
    expect(await signIns.busyFor('a-device-cookie', '203.0.113.5')).toBe(false);
    for (const release of releases) release();
    await stranger;
    expect(await signIns.busyFor(undefined, '203.0.113.5')).toBe(false);
  });

  test("strangers' checks are held to a number a minute; an agent's browser and address still get theirs, and the next minute more", async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const { signIns, checks } = setUp({ slots: { slots: 2, reserved: 1, maxQueued: 4, maxWaitMs: 2000, openChecksPerMinute: 3 } });
    const first = await signIns.attempt('alice', PASSWORD, '10.0.0.1');
    if (!first.ok) throw new Error(`refused: ${first.why}`);
    // That sign-in was a stranger's too (a new browser, a new address): two more checks are left this minute.
    for (let i = 0; i < 2; i++) expect(await signIns.attempt(`n${i}`, 'guess', `100.64.0.${i}`)).toMatchObject({ ok: false, why: 'wrong' });
    expect(checks()).toBe(3);
    expect(await signIns.busyFor(undefined, '100.64.0.9')).toBe(true);
    expect(await signIns.attempt('n9', 'guess', '100.64.0.9')).toEqual({ ok: false, why: 'busy', known: false });
    expect(await signIns.attempt('alice', PASSWORD, '203.0.113.7')).toMatchObject({ ok: false, why: 'busy' });
    expect(checks()).toBe(3);
    // Her browser (its device cookie), and a new browser on the address she signed in from: checked.
    expect(await signIns.busyFor(first.device, '203.0.113.7')).toBe(false);
    expect(await signIns.attempt('alice', PASSWORD, '203.0.113.7', first.device)).toMatchObject({ ok: true });
    expect(await signIns.busyFor(undefined, '10.0.0.1')).toBe(false);
    expect(await signIns.attempt('alice', PASSWORD, '10.0.0.1')).toMatchObject({ ok: true });
    expect(checks()).toBe(5);
    jest.advanceTimersByTime(60_000);
    expect(await signIns.busyFor(undefined, '100.64.0.9')).toBe(false);
    expect(await signIns.attempt('n9', 'guess', '100.64.0.9')).toMatchObject({ ok: false, why: 'wrong' });
    jest.useRealTimers();
  });

  test('the shipped slots hold strangers to 12 checks a minute', () => {
    expect(CHECK_SLOTS.openChecksPerMinute).toBe(12);
  });

  test('attempts waiting for a slot are bounded: beyond the queue, busy at once', async () => {
    const { signIns, checks } = setUp({ slots: { slots: 1, reserved: 0, maxQueued: 2, maxWaitMs: 5000 }, checkMs: 30 });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => signIns.attempt(`n${i}`, 'guess', `10.1.0.${i}`)));
    expect(results.filter((r) => !r.ok && r.why === 'busy')).toHaveLength(3);
    expect(checks()).toBe(3);
  });

  test('during a flood from many addresses, an agent signs in from a browser she signed in from before', async () => {
    const slots: SlotLimits = { slots: 2, reserved: 1, maxQueued: 4, maxWaitMs: 2000 };
    const { signIns } = setUp({ slots, checkMs: 40 });
    const first = await signIns.attempt('alice', PASSWORD, '10.0.0.1');
    if (!first.ok) throw new Error('refused');
    let flooding = true;
    const flood = Array.from({ length: 40 }, async (_, i) => {
      const outcomes: string[] = [];
      while (flooding) {
        const r = await signIns.attempt(`user${i}`, 'guess', `100.64.${i}.${outcomes.length % 250}`);
        outcomes.push(r.ok ? 'ok' : r.why);
        if (!r.ok && r.why === 'busy') await new Promise((res) => setTimeout(res, 5));
      }
      return outcomes;
    });
    await new Promise((r) => setTimeout(r, 100));
    const tries = [];
    for (let i = 0; i < 5; i++) tries.push(await signIns.attempt('alice', PASSWORD, '10.0.0.1', first.device));
    flooding = false;
    const outcomes = (await Promise.all(flood)).flat();
    expect(tries.every((t) => t.ok)).toBe(true);
    // The flood was there: most of it turned away at once.
    expect(outcomes.filter((o) => o === 'busy').length).toBeGreaterThan(outcomes.filter((o) => o === 'wrong').length);
    // A device cookie for another name does not get the kept slot.
    expect(sameToken(first.device, signIns.deviceFor('bob'))).toBe(false);
  });
});

describe('an address an agent has signed in from keeps the kept check for new browsers there', () => {
  const slots: SlotLimits = { slots: 2, reserved: 1, maxQueued: 4, maxWaitMs: 2000 };

  /** Strangers from many addresses, wrong passwords (for alice's name too), until `stop` says so. */
  function flood(signIns: SignIns, stop: () => boolean, from = (i: number, n: number) => `100.64.${i}.${n % 250}`) {
    return Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const outcomes: string[] = [];
        while (!stop()) {
          const address = from(i, outcomes.length);
          // Each asks first, as the page does before reading the form.
          const r = (await signIns.busyFor(undefined, address))
            ? ({ ok: false, why: 'busy' } as const)
            : await signIns.attempt(i % 2 === 0 ? 'alice' : `user${i}`, 'guess', address);
          outcomes.push(r.ok ? 'ok' : r.why);
          // Refused without a check (busy, or waiting): the next try a moment later, as a client would.
          if (!r.ok && r.why !== 'wrong') await new Promise((res) => setTimeout(res, 5));
        }
        return outcomes;
      }),
    ).then((all) => all.flat());
  }

  test('during a flood of wrong sign-ins from many addresses, an agent gets in from a new browser on an address she signed in from', async () => {
    const { signIns } = setUp({ slots, checkMs: 40 });
    expect(await signIns.attempt('alice', PASSWORD, '10.0.0.1')).toMatchObject({ ok: true });
    let flooding = true;
    const outcomes = flood(signIns, () => !flooding);
    await new Promise((r) => setTimeout(r, 100));
    const tries = [];
    for (let i = 0; i < 5; i++) {
      // No device cookie: a browser she has never used.
      expect(await signIns.busyFor(undefined, '10.0.0.1')).toBe(false);
      tries.push(await signIns.attempt('alice', PASSWORD, '10.0.0.1'));
    }
    flooding = false;
    const all = await outcomes;
    expect(tries.every((t) => t.ok)).toBe(true);
    expect(all.filter((o) => o === 'busy').length).toBeGreaterThan(all.filter((o) => o === 'wrong').length);
  });

  test('an address does not become known by failed sign-ins, however many, for an account or not', async () => {
    const knownAddresses = new KnownAddresses({ secret: SECRET });
    const { signIns } = setUp({ slots, checkMs: 40, knownAddresses, policy: { ...POLICY, freeFailures: 1000 } });
    let flooding = true;
    // The whole flood from a few addresses, each tried again and again.
    const outcomes = flood(
      signIns,
      () => !flooding,
      (i) => `100.64.0.${i % 4}`,
    );
    await new Promise((r) => setTimeout(r, 300));
    for (let a = 0; a < 4; a++) expect(await signIns.busyFor(undefined, `100.64.0.${a}`)).toBe(true);
    flooding = false;
    expect((await outcomes).filter((o) => o === 'wrong').length).toBeGreaterThan(0);
    for (let a = 0; a < 4; a++) expect(await knownAddresses.knows(`100.64.0.${a}`)).toBe(false);
    // The right password from one of them makes it known.
    expect(await signIns.attempt('alice', PASSWORD, '100.64.0.3')).toMatchObject({ ok: true });
    expect(await knownAddresses.knows('100.64.0.3')).toBe(true);
  });

  test('a known address is forgotten after its time to live, unless an agent signs in from it again', async () => {
    let now = Date.parse('2026-12-05T09:00:00Z');
    const knownAddresses = new KnownAddresses({ secret: SECRET, ttlSeconds: 3600, now: () => now });
    expect(await knownAddresses.knows('10.0.0.1')).toBe(false);
    await knownAddresses.remember('10.0.0.1');
    expect(await knownAddresses.knows('10.0.0.1')).toBe(true);
    expect(await knownAddresses.knows('10.0.0.2')).toBe(false);
    now += 3599_000;
    expect(await knownAddresses.knows('10.0.0.1')).toBe(true);
    now += 2_000;
    expect(await knownAddresses.knows('10.0.0.1')).toBe(false);
    await knownAddresses.remember('10.0.0.1');
    now += 1800_000;
    expect(await knownAddresses.knows('10.0.0.1')).toBe(true);

    // Through the sign-ins: forgotten, the address is a stranger's again while the open slot is taken.
    const releases: (() => void)[] = [];
    let at = Date.parse('2026-12-05T09:00:00Z');
    const addresses = new KnownAddresses({ secret: SECRET, ttlSeconds: 60, now: () => at });
    const signIns = new SignIns({
      store: new MemoryDeskStore(),
      users: [{ name: 'alice', hash }],
      ttlSeconds: 60,
      secret: SECRET,
      limits: new SignInLimits(memoryBackend().limiter, POLICY),
      knownAddresses: addresses,
      slots: { slots: 2, reserved: 1, maxQueued: 0, maxWaitMs: 0 },
      verify: (p) => (p === PASSWORD ? Promise.resolve(true) : new Promise((r) => releases.push(() => r(false)))),
    });
    expect(await signIns.attempt('alice', PASSWORD, '10.0.0.1')).toMatchObject({ ok: true });
    const stranger = signIns.attempt('bob', 'guess', '100.64.0.1');
    await new Promise((r) => setTimeout(r, 20));
    expect(await signIns.busyFor(undefined, '10.0.0.1')).toBe(false);
    expect(await signIns.attempt('alice', PASSWORD, '10.0.0.1')).toMatchObject({ ok: true });
    at += 61_000;
    expect(await signIns.busyFor(undefined, '10.0.0.1')).toBe(true);
    expect(await signIns.attempt('alice', PASSWORD, '10.0.0.1')).toMatchObject({ why: 'busy' });
    for (const release of releases) release();
    await stranger;
  });
});

test('refusals of a flood are counted each, and logged as one line when it starts and one each interval while it lasts', () => {
  jest.useFakeTimers();
  try {
    const lines: Record<string, unknown>[] = [];
    const logger = { warn: (fields: Record<string, unknown>) => lines.push(fields) } as unknown as Logger;
    let counted = 0;
    const tally = new RefusalTally(logger, () => counted++, 1000);
    tally.add('100.64.0.1');
    expect(lines).toEqual([{ desk: 'sign-in-busy', refused: 1, addresses: 1, address: '100.64.0.1' }]);
    for (let i = 0; i < 500; i++) tally.add(`100.64.1.${i % 50}`);
    expect(lines).toHaveLength(1);
    jest.advanceTimersByTime(1000);
    expect(lines[1]).toEqual({ desk: 'sign-in-busy', refused: 500, addresses: 50 });
    jest.advanceTimersByTime(5000);
    expect(lines).toHaveLength(2);
    tally.add('100.64.0.2');
    expect(lines).toHaveLength(3);
    expect(counted).toBe(502);
  } finally {
    jest.useRealTimers();
  }
});

describe('form tokens', () => {
  test('a token matches only itself, in constant time, whatever was sent', () => {
    const token = newToken();
    expect(sameToken(token, token)).toBe(true);
    expect(sameToken(newToken(), token)).toBe(false);
    for (const given of [undefined, null, '', 42, ['x'], token.slice(0, 10), 'x'.repeat(10_000)])
      expect(sameToken(given, token)).toBe(false);
  });

  test('each token is new', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newToken));
    expect(tokens.size).toBe(1000);
  });
});
