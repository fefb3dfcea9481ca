import { randomUUID } from 'node:crypto';
import { FIELD } from './insight-fields';
import type { DayCounts, InsightsBatch, InsightsStore, InsightsWrite } from './insights-store';

export interface RecorderOptions {
  store: InsightsStore;
  retentionDays: number;
  /** The day a count made now falls on (the desk's day, in its time zone). */
  today: () => string;
  /** How often this instance writes what it counted: one round trip per interval, never one per webhook. */
  flushMs: number;
  /** Each write the store did not take (it is tried again, as it was, at the next interval). */
  onFailure?: (error: Error) => void;
  /**
   * The first write the store did not take after one it took, and what could not be counted (a field outside the
   * grammar, fields the store refused, counts left when the instance stopped): for a log line that does not repeat
   * each second.
   */
  onProblem?: (error: Error) => void;
}

/**
 * Bounds the days x flows counted while a write waits: a day's fields are bounded by the flow (its nodes and keys),
 * and only a store down for months would reach this; the oldest go first.
 */
const MAX_WAITING_DAYS = 400;

/**
 * This instance's counts of the flow's insights. A turn counts in memory once its state is saved (its compare-and-set
 * won: a turn retried after losing one is counted once), and the counts go to the store once every `flushMs` in one
 * round trip, so that no webhook waits on them.
 *
 * Each write is numbered. One that fails is tried again as it was, with its number, while new counts gather for the
 * next: the store adds a write at most once, so one whose answer was lost (a timeout) is never added twice. An
 * instance stopped by its owner writes what it has first (close); one that dies loses what it has not written: its
 * last second, or what waited while the store did not take it.
 */
export class InsightsRecorder {
  private readonly instance = randomUUID();
  private seq = 0;
  private waiting = new Map<string, InsightsBatch>();
  /** The write being tried: numbered, not changed until the store takes it. */
  private pending: InsightsWrite | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failing = false;
  private toldOutsideGrammar = false;

  constructor(private readonly options: RecorderOptions) {}

  /** Starts the timer that writes the counts (unref'd: it never keeps the process alive). */
  start(): this {
    this.timer ??= setInterval(() => void this.flush(), this.options.flushMs).unref();
    return this;
  }

  /** Counts `fields` for `flowId`, today. Never throws: a turn is never hurt by its counting. */
  count(flowId: string, fields: readonly string[]): void {
    if (fields.length === 0) return;
    try {
      const day = this.options.today();
      const key = `${day} ${flowId}`;
      let batch = this.waiting.get(key);
      if (batch === undefined) {
        if (this.waiting.size >= MAX_WAITING_DAYS) {
          const oldest = this.waiting.keys().next().value!;
          this.options.onProblem?.(
            new Error(`the counts of ${oldest} were dropped: ${MAX_WAITING_DAYS} days and flows waited for the store`),
          );
          this.waiting.delete(oldest);
        }
        this.waiting.set(key, (batch = { day, flowId, counts: new Map() }));
      }
      for (const field of fields) {
        // Only what the grammar allows is ever kept: nothing that could carry what a caller keyed or said.
        if (FIELD.test(field)) batch.counts.set(field, (batch.counts.get(field) ?? 0) + 1);
        else if (!this.toldOutsideGrammar) {
          // Told once: it comes from the flow (a node id the grammar does not take), so it would come at every turn.
          this.toldOutsideGrammar = true;
          this.options.onProblem?.(new Error(`a count outside the insights' fields was not kept (${field.length} characters)`));
        }
      }
    } catch (error) {
      this.options.onProblem?.(error as Error);
    }
  }

  /** Writes what was counted since the last write (or tries again the write that failed); one write at a time. */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.write()).catch(() => undefined);
    return this.writing;
  }

  private async write(): Promise<void> {
    if (this.pending === undefined) {
      if (this.waiting.size === 0) return;
      this.pending = { instance: this.instance, seq: this.seq++, batches: [...this.waiting.values()] };
      this.waiting = new Map();
    }
    try {
      const { failedFields } = await this.options.store.add(this.pending, this.options.retentionDays);
      this.pending = undefined;
      this.failing = false;
      if (failedFields > 0)
        this.options.onProblem?.(new Error(`the store did not add ${failedFields} of the counts: what it holds there is not a count`));
    } catch (error) {
      this.options.onFailure?.(error as Error);
      if (!this.failing)
        this.options.onProblem?.(
          new Error(`the store does not take the counts; they wait here for the next write (${(error as Error).message})`),
        );
      this.failing = true;
    }
  }

  /**
   * The counts for `days`: what this instance counted is written first, and the store read before the next write
   * starts, so that a page served by this instance shows its own calls at once (another instance's within `flushMs`);
   * what is counted meanwhile, or waits while the store does not take it, is added to what the store gives.
   */
  read(flowId: string, days: string[]): Promise<Record<string, DayCounts>> {
    const read = this.writing
      .then(() => this.write())
      .then(async () => {
        const kept = await this.options.store.read(flowId, days);
        // A write whose answer was lost may have been added all the same: then it is not added to what the store gives.
        if (this.pending !== undefined && (await this.options.store.lastApplied(this.instance)) >= this.pending.seq)
          this.pending = undefined;
        return kept;
      });
    this.writing = read.then(
      () => undefined,
      () => undefined,
    );
    return read.then((kept) => {
      const unwritten = [...(this.pending?.batches ?? []), ...this.waiting.values()];
      for (const batch of unwritten) {
        if (batch.flowId !== flowId || !days.includes(batch.day)) continue;
        const counts = { ...(kept[batch.day] ?? {}) };
        for (const [field, n] of batch.counts) counts[field] = (counts[field] ?? 0) + n;
        kept[batch.day] = counts;
      }
      return kept;
    });
  }

  /** Stops the timer and writes what is left; says what could not be written. */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    await this.flush();
    const left = [...(this.pending?.batches ?? []), ...this.waiting.values()].reduce((sum, b) => sum + b.counts.size, 0);
    if (left > 0) this.options.onProblem?.(new Error(`${left} counts were not written before the instance stopped`));
  }
}
