import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { BullMessageQueue } from '../../src/backend/redis/message-queue';
import type { MessageJob } from '../../src/requests/texts/message-queue';
import { eventually } from '../helpers/desk';
import { startRedis, type RedisProcess } from '../helpers/redis-server';

/**
 * A process killed while it sends a text message (SIGKILL, as a machine that dies mid-send): the message may have
 * gone, so the next worker reports it as perhaps sent and never sends it again.
 */
jest.setTimeout(30_000);

let redis: RedisProcess;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

test('a job whose sender died mid-send is reported lost by the next worker, never sent a second time', async () => {
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  const job: MessageJob = { id: 'CA1:desk', callSid: 'CA1', to: '+12045550123', body: 'The desk: 1-800-605-2965' };
  const clients = [new Redis(redis.url), new Redis(redis.url)];
  const producer = new BullMessageQueue(clients[0]!, prefix);
  await producer.add(job);

  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/stalling-sender.ts'], {
    env: { ...process.env, REDIS_URL: redis.url, PREFIX: prefix },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  await eventually(async () => (out.includes(`sending ${job.id}`) ? true : undefined), 15_000);
  child.kill('SIGKILL');
  await once(child, 'exit');

  const sent: MessageJob[] = [];
  const lost: MessageJob[] = [];
  const next = new BullMessageQueue(clients[1]!, prefix, 1000, { lockMs: 1000, checkMs: 500 });
  next.start(
    async (j) => void sent.push(j),
    (j) => lost.push(j),
  );
  await eventually(async () => (lost.length > 0 ? true : undefined), 15_000);
  expect(lost.map((j) => j.id)).toEqual([job.id]);
  // A while longer: nothing sends it.
  await new Promise((r) => setTimeout(r, 1500));
  expect(sent).toEqual([]);
  await next.close();
  await producer.close();
  await Promise.all(clients.map((c) => c.quit()));
});
