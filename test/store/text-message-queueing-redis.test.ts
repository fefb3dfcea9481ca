import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { BullMessageQueue, RedisMessageLimits } from '../../src/backend/redis/message-queue';
import type { TextCaps } from '../../src/requests/texts/text-caps';
import { RedisTextCaps } from '../../src/backend/redis/text-caps';
import type { MessageLimits } from '../../src/requests/texts/message-queue';
import { eventually } from '../helpers/desk';
import { testRedisUrl } from '../helpers/line';

/** The text-message queue and its limits on Redis (test/unit has the same limits in memory). */

const CALLER = '+12045550123';

test('on BullMQ too: a withdrawn job does not keep the same message from being queued again', async () => {
  const redis = new Redis(testRedisUrl());
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  const queue = new BullMessageQueue(redis, prefix);
  const sent: string[] = [];
  let withdraw = true;
  queue.start(async (job) => {
    if (withdraw) return 'withdrawn';
    sent.push(job.id);
  });
  const job = { id: 'CA9:desk', callSid: 'CA9', to: CALLER, body: 'b' };
  await queue.add(job);
  await eventually(async () => ((await redis.keys(`${prefix}:*completed`)).length > 0 ? true : undefined), 5000);
  withdraw = false;
  await queue.add(job);
  await eventually(async () => (sent.length > 0 ? true : undefined), 5000);
  expect(sent).toEqual(['CA9:desk']);
  await queue.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('the limits (redis)', () => {
  let redis: Redis;
  let limits: MessageLimits;
  let caps: TextCaps;
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  beforeEach(() => {
    redis = new Redis(testRedisUrl());
    limits = new RedisMessageLimits(redis, prefix, 'test-secret');
    caps = new RedisTextCaps(redis, prefix);
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  test('caps an hour given back for a text not queued free their room; given back again, or never taken, nothing changes', async () => {
    const at = new Date('2026-12-05T15:10:00Z');
    const range = [
      { name: 'line', limit: 2 },
      { name: 'prefix:+1204', limit: 1 },
    ];
    expect(await caps.take('a', range, at)).toEqual({ ok: true });
    expect(await caps.take('b', range, at)).toEqual({ ok: false, cap: 'prefix:+1204' });
    await caps.giveBack('a', range, at);
    await caps.giveBack('a', range, at);
    await caps.giveBack('never', range, at);
    expect(await caps.take('b', range, at)).toEqual({ ok: true });
    expect(await caps.take('c', [{ name: 'line', limit: 2 }], at)).toEqual({ ok: true });
    expect(await caps.take('d', [{ name: 'line', limit: 2 }], at)).toEqual({ ok: false, cap: 'line' });
  });

  test('a take given back frees the day; a confirmed one is not given back', async () => {
    expect(await limits.take('a', CALLER, '2026-12-05', 1)).toBe('ok');
    expect(await limits.take('a', CALLER, '2026-12-05', 1)).toBe('unconfirmed');
    await limits.giveBack('a');
    expect(await limits.held('a')).toBe(false);
    expect(await limits.take('b', CALLER, '2026-12-05', 1)).toBe('ok');
    await limits.confirm('b');
    await limits.giveBack('b');
    expect(await limits.held('b')).toBe(true);
    expect(await limits.take('b', CALLER, '2026-12-05', 1)).toBe('already');
    expect(await limits.take('c', CALLER, '2026-12-05', 1)).toBe('limit');
    // Given back twice, the day's count does not go below zero.
    await limits.giveBack('b');
    await limits.giveBack('a');
    expect(await limits.take('d', '+15555550199', '2026-12-05', 1)).toBe('ok');
    expect(await limits.take('e', '+15555550199', '2026-12-05', 1)).toBe('limit');
  });
});
