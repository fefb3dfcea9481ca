import { z } from 'zod';
import { FIELD } from './insight-fields';

/** One day's counts of one flow: field -> count (see insight-fields.ts for the fields). */
export type DayCounts = Record<string, number>;

/** Counts to add for one day and flow: field -> how many. */
export interface InsightsBatch {
  day: string;
  flowId: string;
  counts: Map<string, number>;
}

/**
 * One write of an instance: its batches, numbered. Written again after a failure with the same number, it is added
 * at most once (its first try may have reached the store though its answer did not).
 */
export interface InsightsWrite {
  /** The instance: a random id of the process. */
  instance: string;
  /** Grows with each write of the instance. */
  seq: number;
  batches: InsightsBatch[];
}

/**
 * Where the flow's insights are kept: counts per flow and day, each day kept for the retention and then dropped.
 *
 * Contract, checked by test/store/insights-store.test.ts on Redis and in memory:
 * - `add` adds every batch's counts to its day's, in one round trip whatever their number, unless the store has added
 *   this write (by its instance and number) or a later one of the instance before: then it changes nothing. A day's
 *   counts expire `retentionDays` after that day (a later add does not lengthen it beyond that). It resolves with
 *   the number of fields the store could not add (a value there that is not a count): the others are added.
 * - `lastApplied` gives the number of an instance's last write added, for `APPLIED_TTL_MS` after it.
 * - `read` returns, for each day asked, the counts kept (an empty record for a day with none or gone). A stored field
 *   outside the insights' grammar, or a count that is not a whole number, is left out, never thrown.
 */
export interface InsightsStore {
  add(write: InsightsWrite, retentionDays: number): Promise<{ failedFields: number }>;
  /** The number of the last write of `instance` the store added; -1 when none (or it is forgotten). */
  lastApplied(instance: string): Promise<number>;
  read(flowId: string, days: string[]): Promise<Record<string, DayCounts>>;
}

/** The counts a store gives back, as parsed at the boundary: fields of the grammar, whole counts. */
export function parseDayCounts(stored: Record<string, unknown>): DayCounts {
  const counts: DayCounts = {};
  for (const [field, value] of Object.entries(stored)) {
    const count = z.coerce.number().int().min(0).safeParse(value);
    if (FIELD.test(field) && count.success) counts[field] = count.data;
  }
  return counts;
}

/** How long a store remembers the last write it added of each instance: far beyond any retry. */
export const APPLIED_TTL_MS = 24 * 60 * 60 * 1000;

/** When a day's counts are dropped: `retentionDays` after the end of `day` (UTC midnight of the day after, plus that). */
export function dropsAt(day: string, retentionDays: number): number {
  return Date.parse(`${day}T00:00:00Z`) + (retentionDays + 1) * 86_400_000;
}
