import {
  callSummary,
  parseStored,
  sessionRecord,
  type CallSummary,
  type EndAtResult,
  type SaveOptions,
  type SessionRecord,
  type SessionStore,
  type StoredSession,
} from './session-store';

interface Entry {
  version: number;
  json: string;
  expiresAt: number;
}

/**
 * A SessionStore in this process's memory, for a single instance or a local run. Values are kept as JSON so that
 * callers never share objects with the store, as with Redis.
 */
export class MemoryStore implements SessionStore {
  private readonly sessions = new Map<string, Entry>();
  private readonly summaries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  private live(map: Map<string, Entry>, key: string): Entry | undefined {
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

  /** Entries held, expired or not; for tests and the benchmark. */
  size(): number {
    return this.sessions.size + this.summaries.size;
  }

  async load(callSid: string): Promise<StoredSession | null> {
    const entry = this.live(this.sessions, callSid);
    const record = parseStored(sessionRecord, entry?.json);
    return entry === undefined || record === null ? null : { version: entry.version, record };
  }

  async save(
    callSid: string,
    record: SessionRecord,
    expectedVersion: number,
    ttlSeconds: number,
    options: SaveOptions = {},
  ): Promise<boolean> {
    const current = this.live(this.sessions, callSid)?.version ?? 0;
    if (current !== expectedVersion) return false;
    if (options.unlessEnded === true && expectedVersion === 0 && this.live(this.summaries, callSid) !== undefined) return false;
    this.sessions.set(callSid, {
      version: expectedVersion + 1,
      json: JSON.stringify(record),
      expiresAt: this.now() + ttlSeconds * 1000,
    });
    return true;
  }

  async end(callSid: string, summary: CallSummary | null, summaryTtlSeconds: number): Promise<void> {
    this.sessions.delete(callSid);
    if (summary !== null && summaryTtlSeconds > 0)
      this.summaries.set(callSid, { version: 1, json: JSON.stringify(summary), expiresAt: this.now() + summaryTtlSeconds * 1000 });
  }

  async endAt(callSid: string, expectedVersion: number, summary: CallSummary | null, summaryTtlSeconds: number): Promise<EndAtResult> {
    if ((this.live(this.sessions, callSid)?.version ?? 0) !== expectedVersion) return { ended: false, current: await this.load(callSid) };
    await this.end(callSid, summary, summaryTtlSeconds);
    return { ended: true };
  }

  async loadSummary(callSid: string): Promise<CallSummary | null> {
    return parseStored(callSummary, this.live(this.summaries, callSid)?.json);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }
}
