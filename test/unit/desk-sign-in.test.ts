import { MemoryDeskStore } from '../../src/desk/memory-desk-store';
import { hashPassword } from '../../src/desk/password';
import { SignIns, type SignInPolicy } from '../../src/desk/sign-in';
import { newToken, sameToken, tokenId } from '../../src/desk/tokens';

const PASSWORD = 'correct horse battery';
const POLICY: SignInPolicy = { windowSeconds: 900, maxPerName: 5, maxPerAddress: 10, maxConcurrent: 4 };

let hash: string;
beforeAll(async () => {
  hash = await hashPassword(PASSWORD, { log2N: 10, r: 8, p: 1 });
});

function setUp(policy = POLICY) {
  let now = 1_700_000_000_000;
  const store = new MemoryDeskStore(() => now);
  const signIns = new SignIns(store, [{ name: 'alice', hash }], 3600, policy, () => now);
  return { store, signIns, advance: (ms: number) => (now += ms) };
}

describe('desk sign-ins', () => {
  test('the right password makes a sign-in that the cookie token finds until it expires', async () => {
    const { signIns, advance } = setUp();
    const attempt = await signIns.attempt('alice', PASSWORD, '10.0.0.1');
    if (!attempt.ok) throw new Error(`refused: ${attempt.why}`);
    expect(attempt.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await signIns.find(attempt.token)).toEqual({ id: attempt.id, session: attempt.session });
    expect(attempt.session).toMatchObject({ user: 'alice', expiresAt: attempt.session.createdAt + 3600_000 });
    advance(3600_000);
    expect(await signIns.find(attempt.token)).toBeNull();
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
    const without = new SignIns(store, [{ name: 'bob', hash }], 3600, POLICY);
    expect(await without.find(attempt.token)).toBeNull();
  });

  test('a wrong password and an unknown name are refused alike', async () => {
    const { signIns } = setUp();
    expect(await signIns.attempt('alice', 'wrong password!', '10.0.0.1')).toEqual({ ok: false, why: 'wrong', failures: 1, known: true });
    expect(await signIns.attempt('mallory', PASSWORD, '10.0.0.2')).toEqual({ ok: false, why: 'wrong', failures: 1, known: false });
  });
});

describe('failed sign-ins are locked for a while', () => {
  test('five failures for one name lock it, from any address, even with the right password, until the window closes', async () => {
    const { signIns, advance } = setUp();
    for (let i = 1; i <= 4; i++)
      expect(await signIns.attempt('alice', `guess ${i}`, `10.0.0.${i}`)).toMatchObject({ why: 'wrong', failures: i });
    expect(await signIns.attempt('alice', 'guess 5', '10.0.0.5')).toEqual({
      ok: false,
      why: 'locked',
      retryAfterSeconds: 900,
      known: true,
    });
    advance(60_000);
    expect(await signIns.attempt('alice', PASSWORD, '10.9.9.9')).toEqual({ ok: false, why: 'locked', retryAfterSeconds: 840, known: true });
    // The name is matched whatever its letter case.
    expect(await signIns.attempt('ALICE', PASSWORD, '10.9.9.9')).toMatchObject({ why: 'locked' });
    advance(840_000);
    expect(await signIns.attempt('alice', PASSWORD, '10.9.9.9')).toMatchObject({ ok: true });
  });

  test('ten failures from one address lock it for every name', async () => {
    const { signIns } = setUp();
    for (let i = 1; i <= 9; i++) expect(await signIns.attempt(`name${i}`, 'guess', '192.0.2.7')).toMatchObject({ why: 'wrong' });
    expect(await signIns.attempt('name10', 'guess', '192.0.2.7')).toMatchObject({ why: 'locked' });
    expect(await signIns.attempt('alice', PASSWORD, '192.0.2.7')).toMatchObject({ why: 'locked' });
    expect(await signIns.attempt('alice', PASSWORD, '192.0.2.8')).toMatchObject({ ok: true });
  });

  test("signing in forgives the name's failures, not the address's", async () => {
    const { signIns } = setUp();
    for (let i = 0; i < 4; i++) await signIns.attempt('alice', 'guess', '192.0.2.7');
    expect(await signIns.attempt('alice', PASSWORD, '192.0.2.7')).toMatchObject({ ok: true });
    expect(await signIns.attempt('alice', 'guess', '192.0.2.7')).toMatchObject({ why: 'wrong', failures: 1 });
    // The address has five failures: five more, under any names, lock it.
    for (let i = 0; i < 4; i++) expect(await signIns.attempt(`other${i}`, 'guess', '192.0.2.7')).toMatchObject({ why: 'wrong' });
    expect(await signIns.attempt('other4', 'guess', '192.0.2.7')).toMatchObject({ why: 'locked' });
  });

  test('password checks beyond the limit at once are turned away as busy, not queued', async () => {
    const { signIns } = setUp({ ...POLICY, maxConcurrent: 2 });
    const results = await Promise.all([1, 2, 3, 4].map((i) => signIns.attempt('alice', `guess ${i}`, `10.0.0.${i}`)));
    expect(results.filter((r) => !r.ok && r.why === 'busy')).toHaveLength(2);
  });
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
