import { Redis } from 'ioredis';
import { BullMessageQueue } from '../../src/backend/redis/message-queue';

/**
 * A process that takes text-message jobs from the queue on REDIS_URL (key prefix PREFIX), prints "sending <id>" when
 * it starts sending one, and never finishes: the test kills it there, as a machine that dies mid-send.
 */
const url = process.env.REDIS_URL!;
const prefix = process.env.PREFIX!;
const queue = new BullMessageQueue(new Redis(url), prefix, 1000, { lockMs: 1000, checkMs: 500 });
queue.start(async (job) => {
  process.stdout.write(`sending ${job.id}\n`);
  await new Promise(() => undefined);
});
