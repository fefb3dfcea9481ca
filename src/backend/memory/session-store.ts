import {
  callSummary,
  parseStored,
  sessionRecord,
  type CallSummary,
  type EndAtResult,
  type Found,
  type Retention,
  type SessionRecord,
  type SessionStore,
} from '../../store/session-store';

/** A live call's state (`json`), or the mark that the call has ended (`json` null). */
interface Entry {
  version: number;
  json: string | null;
  expiresAt: number;
}

/**
 * A SessionStore in this process's memory, for a single instance or a local run. Values are kept as JSON so that
 * callers never share objects with the store, as with Redis.
 */
export class MemoryStore implements SessionStore {
  private readonly sessions = new Map<string, Entry>();
  private readonly summaries = new Map<string, { json: string; expiresAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  private live<E extends { expiresAt: number }>(map: Map<string, E>, key: string): E | undefined {
    const entry = map.get(key);
    if (entry !== undefined && entry.expiresAt <= this.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Drops expired entries so that abandoned calls do not grow memory. */
  sweep(): void {
    const now = this.now();
    for (const map of [this.sessions, this.summaries]) for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
  }

  async load(callSid: string): Promise<Found> {
    const entry = this.live(this.sessions, callSid);
    if (entry === undefined) return null;
    if (entry.json === null) return { ended: true, summary: parseStored(callSummary, this.live(this.summaries, callSid)?.json) };
    const record = parseStored(sessionRecord, entry.json);
    return record === null ? null : { version: entry.version, record };
  }

  async save(callSid: string, record: SessionRecord, expectedVersion: number, ttlSeconds: number): Promise<boolean> {
    const entry = this.live(this.sessions, callSid);
    if (entry?.json === null || (entry?.version ?? 0) !== expectedVersion) return false;
    this.sessions.set(callSid, { version: expectedVersion + 1, json: JSON.stringify(record), expiresAt: this.now() + ttlSeconds * 1000 });
    return true;
  }

  async restore(callSid: string, record: SessionRecord, version: number, ttlSeconds: number): Promise<boolean> {
    const entry = this.live(this.sessions, callSid);
    if (entry?.json === null || (entry?.version ?? 0) >= version) return false;
    this.sessions.set(callSid, { version, json: JSON.stringify(record), expiresAt: this.now() + ttlSeconds * 1000 });
    return true;
  }

  async end(callSid: string, summary: CallSummary | null, retention: Retention): Promise<void> {
    const entry = this.live(this.sessions, callSid);
    if (entry?.json === null) return;
    this.markEnded(callSid, (entry?.version ?? 0) + 1, summary, retention);
  }

  async endAt(callSid: string, expectedVersion: number, summary: CallSummary | null, retention: Retention): Promise<EndAtResult> {
    const entry = this.live(this.sessions, callSid);
    if (entry?.json === null) return { ended: true, already: true };
    if (entry === undefined || entry.version !== expectedVersion) {
      const current = await this.load(callSid);
      return { ended: false, current: current === null || 'ended' in current ? null : current };
    }
    this.markEnded(callSid, entry.version + 1, summary, retention);
    return { ended: true, already: false };
  }

  private markEnded(callSid: string, version: number, summary: CallSummary | null, retention: Retention): void {
    this.sessions.set(callSid, { version, json: null, expiresAt: this.now() + retention.endedTtlSeconds * 1000 });
    if (summary !== null && retention.summaryTtlSeconds > 0)
      this.summaries.set(callSid, { json: JSON.stringify(summary), expiresAt: this.now() + retention.summaryTtlSeconds * 1000 });
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }
}
