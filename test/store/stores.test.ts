import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/common/config';
import { createRedisClient } from '../../src/store/connect';
import { MemoryStore } from '../../src/store/memory-store';
import { RedisStore } from '../../src/store/redis-store';
import { testRedisUrl } from '../helpers/line';
import { record, sessionStoreConformance } from './conformance';

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

test('the commands concurrent webhooks issue in one turn of the event loop go out to Redis in one write', async () => {
  // The client as the line makes it, with ioredis's auto-pipelining.
  const redis = createRedisClient(loadConfig({ REDIS_URL: testRedisUrl() })) as Redis;
  await new Promise((resolve) => redis.once('ready', resolve));
  const prefix = `batch-${randomBytes(4).toString('hex')}`;
  const store = new RedisStore(redis, prefix);
  try {
    const sids = Array.from({ length: 20 }, (_, i) => `CA${prefix.slice(-8)}${i.toString(16).padStart(24, '0')}`);
    // A first save sends the compare-and-set script itself (EVAL on a new connection); what follows is one EVALSHA a save.
    expect(await store.save(`CA${'e'.repeat(32)}`, record('main-menu'), 0, 60)).toBe(true);
    const socket = redis.stream as Socket & Record<'_write' | '_writev', (...args: unknown[]) => void>;
    let writes = 0;
    for (const method of ['_write', '_writev'] as const) {
      const original = socket[method].bind(socket);
      socket[method] = (...args: unknown[]) => {
        writes++;
        original(...args);
      };
    }
    const saved = await Promise.all(sids.map((sid) => store.save(sid, record('main-menu'), 0, 60)));
    expect(saved).toEqual(sids.map(() => true));
    expect(writes).toBe(1);
    // The next turn's lone command is not held back, and ends and loads are batched alike.
    writes = 0;
    expect(await store.load(sids[0]!)).toEqual({ version: 1, record: record('main-menu') });
    expect(writes).toBe(1);
    writes = 0;
    const ended = await Promise.all(sids.map((sid) => store.endAt(sid, 1, null, { summaryTtlSeconds: 0, endedTtlSeconds: 60 })));
    expect(ended.every((e) => e.ended)).toBe(true);
    expect(writes).toBe(1);
  } finally {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
});
