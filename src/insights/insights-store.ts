import { z } from 'zod';
import { FIELD } from './insight-fields';

/** One day's counts of one flow: field -> count (see insight-fields.ts for the fields). */
export type DayCounts = Record<string, number>;

/** Counts to add: for each day and flow, field -> how many. */
export interface InsightsBatch {
  day: string;
  flowId: string;
  counts: Map<string, number>;
}

/**
 * Where the flow's insights are kept: counts per flow and day, each day kept for the retention and then dropped.
 *
 * Contract, checked by test/store/insights-store.test.ts on Redis and in memory:
 * - `add` adds every batch's counts to its day's, in one round trip whatever their number; a day's counts expire
 *   `retentionDays` after that day (a later add does not lengthen it beyond that).
 * - `read` returns, for each day asked, the counts kept (an empty record for a day with none or gone). A stored field
 *   outside the insights' grammar, or a count that is not a whole number, is left out, never thrown.
 */
export interface InsightsStore {
  add(batches: InsightsBatch[], retentionDays: number): Promise<void>;
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

/** When a day's counts are dropped: `retentionDays` after the end of `day` (UTC midnight of the day after, plus that). */
export function dropsAt(day: string, retentionDays: number): number {
  return Date.parse(`${day}T00:00:00Z`) + (retentionDays + 1) * 86_400_000;
}
