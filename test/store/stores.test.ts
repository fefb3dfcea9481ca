import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemoryStore } from '../../src/store/memory-store';
import { RedisStore } from '../../src/store/redis-store';
import { testRedisUrl } from '../helpers/line';
import { sessionStoreConformance } from './conformance';

sessionStoreConformance('MemoryStore', async () => {
  let now = 1_000_000;
  const store = new MemoryStore(() => now);
  const keys = (callSid: string) =>
    (['sessions', 'summaries'] as const).flatMap((map) => {
      const entry = (store as unknown as Record<string, Map<string, { expiresAt: number }>>)[map]!.get(callSid);
      return entry === undefined || entry.expiresAt <= now ? [] : [Math.ceil((entry.expiresAt - now) / 1000)];
    });
  return {
    store,
    ttls: async (callSid) => keys(callSid),
    expire: async () => {
      now += 2000;
    },
    close: () => store.close(),
  };
});

sessionStoreConformance('RedisStore', async () => {
  const redis = new Redis(testRedisUrl());
  const prefix = `conformance-${randomBytes(4).toString('hex')}`;
  const store = new RedisStore(redis, prefix);
  return {
    store,
    ttls: async (callSid) => {
      const keys = await redis.keys(`${prefix}:{${callSid}}:*`);
      return Promise.all(keys.map((k) => redis.ttl(k)));
    },
    expire: async () => {
      await new Promise((r) => setTimeout(r, 1100));
    },
    close: async () => {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
});

test('a Redis value that no longer parses reads as no session', async () => {
  const redis = new Redis(testRedisUrl());
  const prefix = `corrupt-${randomBytes(4).toString('hex')}`;
  const store = new RedisStore(redis, prefix);
  const sid = `CA${'f'.repeat(32)}`;
  await redis.hset(store.sessionKey(sid), 'v', '3', 'd', '{"not":"a session"}');
  await redis.expire(store.sessionKey(sid), 60);
  expect(await store.load(sid)).toBeNull();
  await redis.del(store.sessionKey(sid));
  redis.disconnect();
});
