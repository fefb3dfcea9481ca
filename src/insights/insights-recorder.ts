import type { DayCounts, InsightsBatch, InsightsStore } from './insights-store';

export interface RecorderOptions {
  store: InsightsStore;
  retentionDays: number;
  /** The day a count made now falls on (the desk's day, in its time zone). */
  today: () => string;
  /** How often this instance writes what it counted: one round trip per interval, never one per webhook. */
  flushMs: number;
  /** Each write the store did not take: the counts stay here and go with the next one. */
  onFailure?: (error: Error) => void;
  /** The first write the store did not take after one it took (for a log line that does not repeat each second). */
  onProblem?: (error: Error) => void;
}

/**
 * Bounds what one instance keeps while its store does not take writes: days x flows whose counts wait. A day's fields
 * are bounded by the flow (its nodes and keys); only a store down for weeks would reach this, and the oldest go first.
 */
const MAX_WAITING_DAYS = 400;

/**
 * This instance's counts of the flow's insights. A turn counts in memory once its state is saved (its compare-and-set
 * won: a turn retried after losing one is counted once), and the counts go to the store once every `flushMs` in one
 * round trip, so that no webhook waits on them. An instance stopped by its owner writes what it has first (close);
 * one that dies loses at most its last interval.
 */
export class InsightsRecorder {
  private waiting = new Map<string, InsightsBatch>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failing = false;

  constructor(private readonly options: RecorderOptions) {}

  /** Starts the timer that writes the counts (unref'd: it never keeps the process alive). */
  start(): this {
    this.timer ??= setInterval(() => void this.flush(), this.options.flushMs).unref();
    return this;
  }

  /** Counts `fields` for `flowId`, today. */
  count(flowId: string, fields: readonly string[]): void {
    if (fields.length === 0) return;
    const day = this.options.today();
    const key = `${day} ${flowId}`;
    let batch = this.waiting.get(key);
    if (batch === undefined) {
      if (this.waiting.size >= MAX_WAITING_DAYS) this.waiting.delete(this.waiting.keys().next().value!);
      this.waiting.set(key, (batch = { day, flowId, counts: new Map() }));
    }
    for (const field of fields) batch.counts.set(field, (batch.counts.get(field) ?? 0) + 1);
  }

  /** Writes what was counted since the last write; one write at a time. */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  private async write(): Promise<void> {
    if (this.waiting.size === 0) return;
    const batches = [...this.waiting.values()];
    this.waiting = new Map();
    try {
      await this.options.store.add(batches, this.options.retentionDays);
      this.failing = false;
    } catch (error) {
      // Put back under what was counted meanwhile, to go with the next write.
      for (const batch of batches) for (const [field, n] of batch.counts) this.putBack(batch, field, n);
      this.options.onFailure?.(error as Error);
      if (!this.failing) this.options.onProblem?.(error as Error);
      this.failing = true;
    }
  }

  private putBack(batch: InsightsBatch, field: string, n: number): void {
    const key = `${batch.day} ${batch.flowId}`;
    let into = this.waiting.get(key);
    if (into === undefined) this.waiting.set(key, (into = { day: batch.day, flowId: batch.flowId, counts: new Map() }));
    into.counts.set(field, (into.counts.get(field) ?? 0) + n);
  }

  /**
   * The counts for `days`: what this instance counted is written first, and the store read before the next write
   * starts, so that a page served by this instance shows its own calls at once (another instance's within `flushMs`);
   * what is counted during the read is added to it.
   */
  read(flowId: string, days: string[]): Promise<Record<string, DayCounts>> {
    const read = this.writing.then(() => this.write()).then(() => this.options.store.read(flowId, days));
    this.writing = read.then(
      () => undefined,
      () => undefined,
    );
    return read.then((kept) => {
      for (const day of days) {
        const batch = this.waiting.get(`${day} ${flowId}`);
        if (batch === undefined) continue;
        const counts = { ...(kept[day] ?? {}) };
        for (const [field, n] of batch.counts) counts[field] = (counts[field] ?? 0) + n;
        kept[day] = counts;
      }
      return kept;
    });
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
