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
} from '../../requests/texts/message-queue';

/**
 * Text messages in this process's memory, for a local run without Redis: the same retries and back-off, but what
 * is unsent when the process stops is lost (with Redis, the BullMQ queue keeps it).
 */
export class MemoryMessageQueue implements MessageQueue {
  private readonly waiting: { job: MessageJob; attempt: number }[] = [];
  private readonly known = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private send: Send | undefined;

  constructor(private readonly backoffMs = BACKOFF_MS) {}

  add(job: MessageJob): Promise<void> {
    if (this.known.has(job.id)) return Promise.resolve();
    this.known.add(job.id);
    this.schedule(job, 1, 0);
    return Promise.resolve();
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
        (result) => {
          if (result === 'withdrawn') this.known.delete(job.id);
        },
        (error: unknown) => {
          if (error instanceof PermanentFailure || error instanceof OutcomeUnknown || attempt >= ATTEMPTS) return;
          this.schedule(job, attempt + 1, this.backoffMs * 2 ** (attempt - 1));
        },
      );
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  start(send: Send): void {
    this.send = send;
    for (const { job, attempt } of this.waiting.splice(0)) this.schedule(job, attempt, 0);
  }

  close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.send = undefined;
    return Promise.resolve();
  }
}

/** The limits in memory. */
export class MemoryMessageLimits implements MessageLimits {
  /** A call's mark: the day's key its take counted, until confirmed (then null). */
  private readonly calls = new Map<string, string | null>();
  private readonly days = new Map<string, number>();

  take(callKey: string, number: string, day: string, limit: number): Promise<TakeResult> {
    const mark = this.calls.get(callKey);
    if (mark !== undefined) return Promise.resolve(mark === null ? 'already' : 'unconfirmed');
    const dayKey = `${day}:${number}`;
    const count = this.days.get(dayKey) ?? 0;
    if (count >= limit) return Promise.resolve('limit');
    this.calls.set(callKey, dayKey);
    this.days.set(dayKey, count + 1);
    return Promise.resolve('ok');
  }

  confirm(callKey: string): Promise<void> {
    if (this.calls.has(callKey)) this.calls.set(callKey, null);
    return Promise.resolve();
  }

  giveBack(callKey: string): Promise<void> {
    const dayKey = this.calls.get(callKey);
    if (dayKey !== undefined && dayKey !== null) {
      this.calls.delete(callKey);
      this.days.set(dayKey, Math.max(0, (this.days.get(dayKey) ?? 0) - 1));
    }
    return Promise.resolve();
  }

  held(callKey: string): Promise<boolean> {
    return Promise.resolve(this.calls.has(callKey));
  }
}
