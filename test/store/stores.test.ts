import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/common/config';
import { createRedisClient } from '../../src/backend/connect';
import { MemoryStore } from '../../src/backend/memory/session-store';
import { RedisStore } from '../../src/backend/redis/session-store';
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

test('each command goes out to Redis as it is issued, not held back for a batch', async () => {
  // The client as the line makes it. Auto-pipelining would hold every command until the next turn of the event loop
  // and keep a turn's objects alive past their first collection (docs/performance.md).
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
    // Written in the same turn of the event loop as the save that issued it.
    const saving = sids.map((sid) => store.save(sid, record('main-menu'), 0, 60));
    expect(writes).toBe(sids.length);
    expect(await Promise.all(saving)).toEqual(sids.map(() => true));
    writes = 0;
    const loading = store.load(sids[0]!);
    expect(writes).toBe(1);
    expect(await loading).toEqual({ version: 1, record: record('main-menu') });
  } finally {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
});
