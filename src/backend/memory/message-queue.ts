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
  KEEP_COMPLETED,
  KEEP_FAILED,
  MARK_TTL_SECONDS,
} from '../../requests/texts/message-queue';

/** Ids of finished jobs in the order they finished, forgotten past an age (seconds) or a count, as BullMQ does. */
class FinishedIds {
  private readonly at = new Map<string, number>();

  constructor(private readonly keep: { age: number; count: number }) {}

  has(id: string): boolean {
    return this.at.has(id);
  }

  add(id: string, now: number): void {
    this.at.delete(id);
    this.at.set(id, now);
    this.trim(now);
  }

  delete(id: string): void {
    this.at.delete(id);
  }

  /** Drops the oldest while too many or too old: the map is in finishing order, so only its head is looked at. */
  trim(now: number): void {
    for (const [id, finished] of this.at) {
      if (this.at.size <= this.keep.count && now - finished < this.keep.age * 1000) return;
      this.at.delete(id);
    }
  }

  get size(): number {
    return this.at.size;
  }
}

/**
 * Text messages in this process's memory, for a local run without Redis: the same retries and back-off, but what
 * is unsent when the process stops is lost (with Redis, the BullMQ queue keeps it).
 * A job's id makes it one job for as long as BullMQ would keep it: while it waits or is tried, then once finished
 * for KEEP_COMPLETED (sent) or KEEP_FAILED (refused, perhaps sent, out of tries), by age and by count. So the ids
 * it remembers are bounded by the jobs in flight and those two caps, not by the process's age.
 */
export class MemoryMessageQueue implements MessageQueue {
  private readonly waiting: { job: MessageJob; attempt: number }[] = [];
  /** Jobs queued and not finished: waiting, scheduled or being sent. */
  private readonly pending = new Set<string>();
  private readonly completed = new FinishedIds(KEEP_COMPLETED);
  private readonly failed = new FinishedIds(KEEP_FAILED);
  /** Each scheduled try, and its job's id. */
  private readonly timers = new Map<NodeJS.Timeout, string>();
  private send: Send | undefined;

  constructor(
    private readonly backoffMs = BACKOFF_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** How many job ids are remembered (pending and finished): bounded, see above. */
  get remembered(): number {
    return this.pending.size + this.completed.size + this.failed.size;
  }

  private known(id: string): boolean {
    const now = this.now();
    this.completed.trim(now);
    this.failed.trim(now);
    return this.pending.has(id) || this.completed.has(id) || this.failed.has(id);
  }

  add(job: MessageJob): Promise<void> {
    if (this.known(job.id)) return Promise.resolve();
    this.pending.add(job.id);
    this.schedule(job, 1, 0);
    return Promise.resolve();
  }

  private finish(id: string, as: 'completed' | 'failed' | 'withdrawn'): void {
    this.pending.delete(id);
    if (as === 'completed') this.completed.add(id, this.now());
    if (as === 'failed') this.failed.add(id, this.now());
  }

  private schedule(job: MessageJob, attempt: number, delayMs: number): void {
    if (this.send === undefined) {
      this.waiting.push({ job, attempt });
      return;
    }
    const send = this.send;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send(job, attempt).then(
        // A withdrawn job is forgotten at once: the same message asked for again in the call is queued anew.
        (result) => this.finish(job.id, result === 'withdrawn' ? 'withdrawn' : 'completed'),
        (error: unknown) => {
          if (error instanceof PermanentFailure || error instanceof OutcomeUnknown || attempt >= ATTEMPTS) {
            this.finish(job.id, 'failed');
            return;
          }
          this.schedule(job, attempt + 1, this.backoffMs * 2 ** (attempt - 1));
        },
      );
    }, delayMs);
    timer.unref();
    this.timers.set(timer, job.id);
  }

  start(send: Send): void {
    this.send = send;
    for (const { job, attempt } of this.waiting.splice(0)) this.schedule(job, attempt, 0);
  }

  close(): Promise<void> {
    // A try not made is lost with the process's memory: its id is forgotten with it.
    for (const [timer, id] of this.timers) {
      clearTimeout(timer);
      this.pending.delete(id);
    }
    this.timers.clear();
    this.send = undefined;
    return Promise.resolve();
  }
}

/**
 * The limits in memory. A call's mark and a number's count for a day are forgotten MARK_TTL_SECONDS after they were
 * first taken, as their keys expire on Redis: the maps hold what was taken in the last two days, not since the start.
 */
export class MemoryMessageLimits implements MessageLimits {
  /** A call's mark: the day's key its take counted, until confirmed (then null). Oldest first. */
  private readonly calls = new Map<string, { dayKey: string | null; until: number }>();
  /** A number's count on a day. Oldest first. */
  private readonly days = new Map<string, { count: number; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** How many marks and counts are kept. */
  get kept(): number {
    return this.calls.size + this.days.size;
  }

  /** Drops what has expired: each map is in the order its entries were made, so only its head is looked at. */
  private forget(): number {
    const now = this.now();
    for (const [key, { until }] of this.calls) {
      if (until > now) break;
      this.calls.delete(key);
    }
    for (const [key, { until }] of this.days) {
      if (until > now) break;
      this.days.delete(key);
    }
    return now;
  }

  take(callKey: string, number: string, day: string, limit: number): Promise<TakeResult> {
    const now = this.forget();
    const mark = this.calls.get(callKey);
    if (mark !== undefined) return Promise.resolve(mark.dayKey === null ? 'already' : 'unconfirmed');
    const dayKey = `${day}:${number}`;
    const count = this.days.get(dayKey);
    if ((count?.count ?? 0) >= limit) return Promise.resolve('limit');
    const until = now + MARK_TTL_SECONDS * 1000;
    this.calls.set(callKey, { dayKey, until });
    if (count === undefined) this.days.set(dayKey, { count: 1, until });
    else count.count++;
    return Promise.resolve('ok');
  }

  confirm(callKey: string): Promise<void> {
    const mark = this.calls.get(callKey);
    if (mark !== undefined) mark.dayKey = null;
    return Promise.resolve();
  }

  giveBack(callKey: string): Promise<void> {
    const mark = this.calls.get(callKey);
    if (mark !== undefined && mark.dayKey !== null) {
      this.calls.delete(callKey);
      const count = this.days.get(mark.dayKey);
      if (count !== undefined) count.count = Math.max(0, count.count - 1);
    }
    return Promise.resolve();
  }

  held(callKey: string): Promise<boolean> {
    this.forget();
    return Promise.resolve(this.calls.has(callKey));
  }
}
