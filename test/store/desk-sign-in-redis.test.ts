import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { KnownAddresses } from '../../src/desk/sign-in/known-addresses';
import { MemoryDeskStore } from '../../src/backend/memory/desk-store';
import { SignIns } from '../../src/desk/sign-in/sign-in';
import { SignInLimits } from '../../src/desk/sign-in/sign-in-limits';
import { testRedisUrl } from '../helpers/line';
import { redisBackend } from '../../src/backend/redis';
import { cheapHash, DESK_PASSWORD, SIGN_IN_SECRET, SIGN_IN_TEST_POLICY, WIDE_SLOTS } from '../helpers/desk';

/** Desk sign-in limits and known addresses kept in Redis, shared by every instance (test/unit has the rest). */

const PASSWORD = DESK_PASSWORD;
const SECRET = SIGN_IN_SECRET;
const POLICY = SIGN_IN_TEST_POLICY;
const WIDE = WIDE_SLOTS;

let hash: string;
beforeAll(async () => {
  hash = await cheapHash();
});

/** Sign-ins for alice with limits on `redis`, whose password checks are counted and take `checkMs`. */
function setUp(redis: Redis, checkMs: number): { signIns: SignIns; checks: () => number } {
  let checks = 0;
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  const signIns = new SignIns({
    store: new MemoryDeskStore(() => Date.now()),
    users: [{ name: 'alice', hash }],
    ttlSeconds: 3600,
    secret: SECRET,
    limits: new SignInLimits(redisBackend({ client: redis, prefix, secret: SECRET }).limiter, POLICY),
    slots: WIDE,
    verify: async (password, h) => {
      checks++;
      await new Promise((r) => setTimeout(r, checkMs));
      return password === PASSWORD && h === hash;
    },
  });
  return { signIns, checks: () => checks };
}

describe('failed sign-ins slow down the name and address they come from, never the right password elsewhere', () => {
  test('sixteen wrong guesses at once (redis): no more are checked against the hash than the limit allows', async () => {
    const redis = new Redis(testRedisUrl());
    try {
      const { signIns, checks } = setUp(redis, 20);
      const results = await Promise.all(Array.from({ length: 16 }, (_, i) => signIns.attempt('alice', `guess ${i}`, '198.51.100.4')));
      expect(checks()).toBe(POLICY.freeFailures);
      expect(results.filter((r) => !r.ok && r.why === 'wrong')).toHaveLength(POLICY.freeFailures);
      expect(results.filter((r) => !r.ok && r.why === 'locked')).toHaveLength(16 - POLICY.freeFailures);
      // The right password from another address is still taken.
      expect(await signIns.attempt('alice', PASSWORD, '198.51.100.5')).toMatchObject({ ok: true });
    } finally {
      await redis.quit();
    }
  });

  test('on Redis, the limits hold across instances, and no name is stored as typed', async () => {
    const redis = new Redis(testRedisUrl());
    const prefix = `test-${randomBytes(6).toString('hex')}`;
    try {
      const make = () =>
        new SignIns({
          store: new MemoryDeskStore(),
          users: [{ name: 'alice', hash }],
          ttlSeconds: 60,
          secret: SECRET,
          limits: new SignInLimits(redisBackend({ client: redis, prefix, secret: SECRET }).limiter, POLICY),
          verify: async (p) => p === PASSWORD,
        });
      const [one, two] = [make(), make()];
      for (let i = 0; i < 5; i++) await (i % 2 === 0 ? one : two).attempt('alice', 'my-secret-guess', '198.51.100.9');
      expect(await one.attempt('alice', PASSWORD, '198.51.100.9')).toMatchObject({ why: 'locked' });
      expect(await two.attempt('alice', PASSWORD, '198.51.100.9')).toMatchObject({ why: 'locked' });
      const keys = await redis.keys(`${prefix}:*`);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.join(' ')).not.toMatch(/alice/i);
      for (const key of keys) expect(await redis.ttl(key)).toBeGreaterThan(0);
    } finally {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });
});

describe('an address an agent has signed in from keeps the kept check for new browsers there', () => {
  test('on Redis, an address is known to every instance, as a keyed digest, in a key with a time to live', async () => {
    const redis = new Redis(testRedisUrl());
    const prefix = `test-${randomBytes(6).toString('hex')}`;
    try {
      const one = new KnownAddresses({
        book: redisBackend({ client: redis, prefix, secret: SECRET }).knownAddresses,
        secret: SECRET,
        ttlSeconds: 600,
      });
      const two = new KnownAddresses({
        book: redisBackend({ client: redis, prefix, secret: SECRET }).knownAddresses,
        secret: SECRET,
        ttlSeconds: 600,
      });
      await one.remember('192.0.2.44');
      expect(await two.knows('192.0.2.44')).toBe(true);
      expect(await two.knows('192.0.2.45')).toBe(false);
      const keys = await redis.keys(`${prefix}:*`);
      expect(keys).toEqual([`${prefix}:desk:known-addresses`]);
      const fields = await redis.hgetall(keys[0]!);
      expect(Object.keys(fields)).toHaveLength(1);
      expect(Object.keys(fields)[0]).toMatch(/^[0-9a-f]{32}$/);
      expect(JSON.stringify(fields)).not.toContain('192.0.2');
      const ttl = await redis.ttl(keys[0]!);
      expect(ttl).toBeGreaterThan(590);
      expect(ttl).toBeLessThanOrEqual(600);
    } finally {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });
});
