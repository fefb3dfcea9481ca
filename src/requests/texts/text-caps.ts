/** One cap: at most `limit` texts an hour under `name` ("line", or a range of numbers such as "+1204"). */
export interface Cap {
  name: string;
  limit: number;
}

/**
 * Caps an hour on text messages, over every instance: `take` counts the text `id` (a call and a kind of message)
 * under every cap, or, when one of them is full, counts nothing and returns that cap's name. The same `id` again
 * within the hour is not counted again (a caller pressing 8 twice is told it was sent already, not refused).
 * Counts start again on each clock hour.
 */
export interface TextCaps {
  take(id: string, caps: readonly Cap[], at: Date): Promise<{ ok: true } | { ok: false; cap: string }>;
  /** Undoes `take` for a text that was not queued after all (the same `caps` and `at`); nothing when it was not counted. */
  giveBack(id: string, caps: readonly Cap[], at: Date): Promise<void>;
}

const HOUR_MS = 60 * 60 * 1000;

/** The clock hour a time falls in: caps count per hour. */
export const hourOf = (at: Date) => Math.floor(at.getTime() / HOUR_MS);
