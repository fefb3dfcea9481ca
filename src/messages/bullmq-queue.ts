import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Cluster, type Redis } from 'ioredis';
import { keyedDigest } from '../common/keyed-digest';
import { ATTEMPTS, BACKOFF_MS, PermanentFailure, type MessageJob, type MessageLimits, type MessageQueue, type Send } from './message-queue';

type Client = Redis | Cluster;
const QUEUE = 'text-messages';

/**
 * A connection of its own for BullMQ, to the same Redis as `client`: BullMQ's worker waits on blocking commands,
 * which the call store's short command timeout and offline refusal would break.
 */
function connectionLike(client: Client): Client {
  if (client instanceof Cluster)
    return client.duplicate(undefined, {
      enableOfflineQueue: true,
      redisOptions: { ...client.options.redisOptions, maxRetriesPerRequest: null, commandTimeout: undefined },
    });
  return client.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true, commandTimeout: undefined });
}

/**
 * Text messages on BullMQ, on the line's Redis: a job per message, its id the call and the kind of message (BullMQ
 * keeps one job per id, so asking twice queues one), tried ATTEMPTS times with exponential back-off. Jobs live in
 * Redis: an instance that stops leaves them to the next worker, on any instance. The keys share the hash tag {sms},
 * as BullMQ asks on a cluster.
 */
export class BullMessageQueue implements MessageQueue {
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private readonly connections: Client[] = [];

  constructor(
    private readonly client: Client,
    private readonly prefix: string,
    private readonly backoffMs = BACKOFF_MS,
  ) {
    const connection = this.connection();
    this.queue = new Queue(QUEUE, { connection, prefix: this.bullPrefix });
  }

  private get bullPrefix(): string {
    return `${this.prefix}:{sms}`;
  }

  private connection(): Client {
    const connection = connectionLike(this.client);
    this.connections.push(connection);
    return connection;
  }

  async add(job: MessageJob): Promise<void> {
    await this.queue.add('send', job, {
      // BullMQ keeps ':' for its own keys.
      jobId: job.id.replace(/:/g, '.'),
      attempts: ATTEMPTS,
      backoff: { type: 'exponential', delay: this.backoffMs },
      // A day's record of what was sent, then gone; a failed job is kept a week for whoever looks into it.
      removeOnComplete: { age: 24 * 60 * 60 },
      removeOnFail: { age: 7 * 24 * 60 * 60 },
    });
  }

  start(send: Send): void {
    if (this.worker !== undefined) return;
    this.worker = new Worker(
      QUEUE,
      async (job) => {
        try {
          await send(job.data as MessageJob, job.attemptsMade + 1);
        } catch (error) {
          // Refused for good: no more tries.
          if (error instanceof PermanentFailure) throw new UnrecoverableError(error.message);
          throw error;
        }
      },
      { connection: this.connection(), prefix: this.bullPrefix, concurrency: 4 },
    );
    // Failures are reported by `send` itself; the worker's own event would only repeat them.
    this.worker.on('error', () => undefined);
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    await Promise.all(this.connections.map((c) => c.quit().catch(() => undefined)));
  }
}

/**
 * Count a text message against its limits.
 * KEYS[1] the call's key for this kind of message, KEYS[2] the number's count for the day.
 * ARGV[1] the day's limit, ARGV[2] how long the call's key lives, ARGV[3] how long the day's count lives (seconds).
 * Returns 'ok' (both counted), 'already' or 'limit' (nothing counted).
 */
const TAKE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'already' end
local count = tonumber(redis.call('GET', KEYS[2]) or '0')
if count >= tonumber(ARGV[1]) then return 'limit' end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[2])
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 'ok'`;

/** The limits on Redis, in one script so that two instances cannot both take the last message of a day. */
export class RedisMessageLimits implements MessageLimits {
  private readonly redis: Client & {
    takeMessage(call: string, day: string, limit: number, callTtl: number, dayTtl: number): Promise<'ok' | 'already' | 'limit'>;
  };

  /** `secret` keys the digest that stands for a number in Redis (the Twilio auth token). */
  constructor(
    client: Client,
    private readonly prefix: string,
    private readonly secret: string,
  ) {
    client.defineCommand('takeMessage', { numberOfKeys: 2, lua: TAKE });
    this.redis = client as typeof this.redis;
  }

  take(callKey: string, number: string, day: string, limit: number): Promise<'ok' | 'already' | 'limit'> {
    // The number is kept as a keyed digest: Redis holds no caller's number for this, and without the secret nobody
    // can find a number by trying the ten-digit numbers against it.
    const who = keyedDigest(this.secret, 'text-message-daily-count', number);
    return this.redis.takeMessage(
      `${this.prefix}:{sms}:call:${callKey}`,
      `${this.prefix}:{sms}:day:${day}:${who}`,
      limit,
      2 * 24 * 60 * 60,
      2 * 24 * 60 * 60,
    );
  }
}
