import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Cluster, type Redis } from 'ioredis';
import { keyedDigest } from '../../common/keyed-digest';
import { maskedNumber } from '../../common/phone';
import {
  ATTEMPTS,
  BACKOFF_MS,
  OutcomeUnknown,
  PermanentFailure,
  type MessageJob,
  type MessageLimits,
  type MessageQueue,
  type Send,
  type TakeResult,
  EVENTS_MAX_LEN,
  JOB_TTL_SECONDS,
  KEEP_COMPLETED,
  KEEP_FAILED,
  MARK_TTL_SECONDS,
  withoutNumbers,
} from '../../requests/texts/message-queue';
import { defineScripts } from './scripts';

type Client = Redis | Cluster;
/** BullMQ's reason for a job that stalled more often than maxStalledCount allows. */
const STALLED = 'job stalled more than allowable limit';
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
  /** The queue's own connection, for what BullMQ does not do: a time to live on each job's hash. */
  private readonly producer: Client;
  private worker: Worker | undefined;
  private readonly connections: Client[] = [];

  constructor(
    private readonly client: Client,
    private readonly prefix: string,
    private readonly backoffMs = BACKOFF_MS,
    /** How long a worker's hold on a job lasts unrenewed, and how often stalled jobs are looked for (tests shorten them). */
    private readonly stall: { lockMs: number; checkMs: number } = { lockMs: 30_000, checkMs: 30_000 },
  ) {
    const connection = this.connection();
    this.producer = connection;
    // The events stream is trimmed to about EVENTS_MAX_LEN entries as BullMQ writes it.
    this.queue = new Queue(QUEUE, { connection, prefix: this.bullPrefix, streams: { events: { maxLen: EVENTS_MAX_LEN } } });
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
    // BullMQ keeps ':' for its own keys.
    const jobId = job.id.replace(/:/g, '.');
    // A job of the same id that was withdrawn (its caller heard it failed) would keep this one from being queued.
    const withdrawn = await this.queue.getJob(jobId);
    if (withdrawn?.returnvalue === 'withdrawn') await withdrawn.remove();
    await this.queue.add('send', job, {
      jobId,
      attempts: ATTEMPTS,
      backoff: { type: 'exponential', delay: this.backoffMs },
      // BullMQ removes finished jobs past these ages or counts as later ones finish.
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    });
    // The job holds the number: its hash expires whatever happens to the queue (no later job to clean it up, say).
    await this.producer.expire(this.queue.toKey(jobId), JOB_TTL_SECONDS);
  }

  start(send: Send, lost?: (job: MessageJob) => void): void {
    if (this.worker !== undefined) return;
    this.worker = new Worker(
      QUEUE,
      async (job) => {
        const data = job.data as Partial<MessageJob> | undefined;
        // A job whose hash expired before any worker took it: nothing to send.
        if (typeof data?.to !== 'string') return;
        // Once the job is done with, what BullMQ keeps of it holds the number masked.
        const done = () => job.updateData({ ...(data as MessageJob), to: maskedNumber(data.to) ?? '' }).catch(() => undefined);
        let result: void | 'withdrawn';
        try {
          result = await send(data as MessageJob, job.attemptsMade + 1);
        } catch (error) {
          // BullMQ keeps the reason in the job and its events stream: a new error, its text without any number.
          const reason = withoutNumbers((error as Error).message);
          // Refused for good, or perhaps sent: no more tries.
          const final = error instanceof PermanentFailure || error instanceof OutcomeUnknown;
          if (final || job.attemptsMade + 1 >= ATTEMPTS) await done();
          if (final) throw new UnrecoverableError(reason);
          throw new Error(reason);
        }
        await done();
        return result;
      },
      {
        connection: this.connection(),
        prefix: this.bullPrefix,
        concurrency: 4,
        // A job whose worker died while sending it (its hold ran out) is failed, not run again: the message may have
        // gone, and a second run would send it twice. BullMQ's default (1) runs it once more.
        maxStalledCount: 0,
        lockDuration: this.stall.lockMs,
        stalledInterval: this.stall.checkMs,
      },
    );
    this.worker.on('failed', (job, error) => {
      if (job !== undefined && error.message === STALLED && typeof (job.data as Partial<MessageJob>).to === 'string')
        lost?.(job.data as MessageJob);
    });
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
 * The limits on Redis, in one script so that two instances cannot both take the last message of a day. Its commands
 * go on the call store's connection, one after another: a give-back sent after a take that timed out runs after it.
 */
export class RedisMessageLimits implements MessageLimits {
  private readonly redis: Client;

  /** `secret` keys the digest that stands for a number in Redis (the Twilio auth token). */
  constructor(
    client: Client,
    private readonly prefix: string,
    private readonly secret: string,
  ) {
    this.redis = defineScripts(client);
  }

  private callKey(callKey: string): string {
    return `${this.prefix}:{sms}:call:${callKey}`;
  }

  take(callKey: string, number: string, day: string, limit: number): Promise<TakeResult> {
    // The number is kept as a keyed digest: Redis holds no caller's number for this, and without the secret nobody
    // can find a number by trying the ten-digit numbers against it.
    const who = keyedDigest(this.secret, 'text-message-daily-count', number);
    return this.redis.takeMessage(
      this.callKey(callKey),
      `${this.prefix}:{sms}:day:${day}:${who}`,
      limit,
      MARK_TTL_SECONDS,
      MARK_TTL_SECONDS,
    );
  }

  async confirm(callKey: string): Promise<void> {
    await this.redis.set(this.callKey(callKey), 'queued', 'KEEPTTL', 'XX');
  }

  async giveBack(callKey: string): Promise<void> {
    await this.redis.giveBackMessage(this.callKey(callKey));
  }

  async held(callKey: string): Promise<boolean> {
    return (await this.redis.exists(this.callKey(callKey))) === 1;
  }
}
