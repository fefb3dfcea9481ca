import type { StoredSession } from '../store/session-store';

/**
 * The sessions this instance saved or read last, so that a turn can go straight to the compare-and-set save: one
 * store round trip instead of two. Never trusted alone: a stale entry (another instance moved the call on) fails
 * the compare-and-set and the turn reloads. Bounded in size and age; the oldest entries go first.
 */
export class RecentCalls {
  private readonly entries = new Map<string, { session: StoredSession; at: number }>();

  constructor(
    // Bounded, so that memory stays flat however many calls pass (docs/performance.md). A call's next turn comes
    // within seconds, or 30 s at self-service steps; after five minutes an entry is more likely stale than useful.
    private readonly maxEntries = 5_000,
    private readonly maxAgeMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(callSid: string): StoredSession | undefined {
    const entry = this.entries.get(callSid);
    if (entry === undefined) return undefined;
    if (this.now() - entry.at > this.maxAgeMs) {
      this.entries.delete(callSid);
      return undefined;
    }
    return entry.session;
  }

  set(callSid: string, session: StoredSession): void {
    this.entries.delete(callSid); // re-insert: Map order is the eviction order
    this.entries.set(callSid, { session, at: this.now() });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(callSid: string): void {
    this.entries.delete(callSid);
  }
}
