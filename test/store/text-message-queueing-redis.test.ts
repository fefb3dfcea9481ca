import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { BullMessageQueue, RedisMessageLimits } from '../../src/backend/redis/message-queue';
import { RedisTextCaps } from '../../src/backend/redis/text-caps';
import { eventually } from '../helpers/desk';
import { testRedisUrl } from '../helpers/line';
import { textLimitsConformance } from '../helpers/text-limits-conformance';

/** The text-message queue and its limits on Redis (the limits' contract is test/helpers/text-limits-conformance.ts). */

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

textLimitsConformance('redis', () => {
  const redis = new Redis(testRedisUrl());
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  return {
    limits: new RedisMessageLimits(redis, prefix, 'test-secret'),
    caps: new RedisTextCaps(redis, prefix),
    close: async () => {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
});
