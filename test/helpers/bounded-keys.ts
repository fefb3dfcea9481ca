import type { Cluster, Redis } from 'ioredis';
import { EVENTS_MAX_LEN, KEEP_COMPLETED, KEEP_FAILED } from '../../src/requests/texts/message-queue';

/**
 * The keys the line keeps without a time to live, and how each is bounded (docs/operations.md: "What the line keeps
 * in Redis"): BullMQ's own keys for the text messages. test/integration/redis-keys.test.ts and the soak check every
 * other key has a time to live.
 */
export function boundedKeys(redis: Redis | Cluster): [RegExp, string, (key: string) => Promise<boolean>][] {
  return [
    [/:\{sms\}:text-messages:events$/, 'stream', async (k) => (await redis.xlen(k)) <= EVENTS_MAX_LEN * 1.1],
    [/:\{sms\}:text-messages:completed$/, 'zset', async (k) => (await redis.zcard(k)) <= KEEP_COMPLETED.count],
    [/:\{sms\}:text-messages:failed$/, 'zset', async (k) => (await redis.zcard(k)) <= KEEP_FAILED.count],
    [/:\{sms\}:text-messages:meta$/, 'hash', async (k) => (await redis.hlen(k)) <= 20],
    [/:\{sms\}:text-messages:(wait|active|delayed|paused|prioritized|marker|pc|id|stalled)$/, 'queue', async () => true],
  ];
}

/** The keys under `prefix` with neither a time to live nor a bound, as `key (type)`. */
export async function unboundedKeys(redis: Redis, prefix: string): Promise<string[]> {
  const bounded = boundedKeys(redis);
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      if ((await redis.ttl(key)) >= 0) continue;
      const bound = bounded.find(([pattern]) => pattern.test(key));
      if (bound === undefined || !(await bound[2](key))) found.push(`${key} (${await redis.type(key)})`);
    }
  } while (cursor !== '0');
  return found;
}
