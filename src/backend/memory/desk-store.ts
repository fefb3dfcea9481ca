import { EventEmitter } from 'node:events';
import {
  parseSession,
  type DayRecord,
  type DayResult,
  type DayRetention,
  type DeskListener,
  type DeskSession,
  type DeskStore,
  withAttempt,
} from '../../desk/desk-store';

interface Entry<T> {
  value: T;
  expiresAt: number;
}

interface Day {
  events: string[];
  counted: Map<string, string>;
  counts: Map<string, number>;
  attempts: Map<string, number>;
  recorded: Set<string>;
}

/** The desk's store in this process's memory, beside the in-memory call store: one instance, or a local run. */
export class MemoryDeskStore implements DeskStore {
  private readonly sessions = new Map<string, Entry<string>>();
  private readonly days = new Map<string, Entry<Day>>();
  private readonly references = new Map<string, Entry<Set<string>>>();
  private readonly calls = new Map<string, Entry<string[]>>();
  private readonly bus = new EventEmitter();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.bus.setMaxListeners(0);
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  private live<T>(map: Map<string, Entry<T>>, key: string): T | undefined {
    const entry = map.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  private expiry(seconds: number): number {
    return this.now() + seconds * 1000;
  }

  sweep(): void {
    const now = this.now();
    for (const map of [this.sessions, this.days, this.references, this.calls] as Map<string, Entry<unknown>>[])
      for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
  }

  async putSession(id: string, session: DeskSession, ttlSeconds: number): Promise<void> {
    this.sessions.set(id, { value: JSON.stringify(session), expiresAt: this.expiry(ttlSeconds) });
  }

  async getSession(id: string): Promise<DeskSession | null> {
    return parseSession(this.live(this.sessions, id));
  }

  async deleteSession(id: string): Promise<void> {
    this.sessions.delete(id);
  }

  async record(day: string, record: DayRecord, retention: DayRetention): Promise<DayResult> {
    let entry = this.live(this.days, day);
    if (entry === undefined) entry = { events: [], counted: new Map(), counts: new Map(), attempts: new Map(), recorded: new Set() };
    this.days.set(day, { value: entry, expiresAt: this.expiry(retention.ttlSeconds) });
    if (record.id !== undefined) {
      if (entry.recorded.has(record.id)) return { attempt: null, counts: null };
      entry.recorded.add(record.id);
    }
    if (record.event !== undefined) {
      entry.events.unshift(record.event);
      entry.events.length = Math.min(entry.events.length, retention.keep);
    }
    let attempt: number | null = null;
    if (record.attemptOf !== undefined) {
      attempt = (entry.attempts.get(record.attemptOf) ?? 0) + 1;
      entry.attempts.set(record.attemptOf, attempt);
    }
    let counts: Record<string, number> | null = null;
    const once = record.countOnce;
    if (once !== undefined && !entry.counted.has(once.callSid)) {
      entry.counted.set(once.callSid, once.outcome);
      entry.counts.set(once.outcome, (entry.counts.get(once.outcome) ?? 0) + 1);
      counts = Object.fromEntries(entry.counts);
    }
    if (record.publish !== undefined) await this.publish(attempt === null ? record.publish : withAttempt(record.publish, attempt));
    if (counts !== null) await this.publish(JSON.stringify({ type: 'outcomes', day, counts }));
    return { attempt, counts };
  }

  async events(day: string): Promise<string[]> {
    return [...(this.live(this.days, day)?.events ?? [])];
  }

  async outcomes(day: string): Promise<Record<string, number>> {
    return Object.fromEntries(this.live(this.days, day)?.counts ?? []);
  }

  async indexReference(reference: string, callSid: string, ttlSeconds: number): Promise<void> {
    const calls = this.live(this.references, reference) ?? new Set<string>();
    calls.add(callSid);
    const expiresAt = Math.max(this.references.get(reference)?.expiresAt ?? 0, this.expiry(ttlSeconds));
    this.references.set(reference, { value: calls, expiresAt });
  }

  async callsWithReference(reference: string): Promise<string[]> {
    return [...(this.live(this.references, reference) ?? [])];
  }

  async recordCall(callSid: string, event: string, retention: DayRetention): Promise<void> {
    const kept = this.live(this.calls, callSid) ?? [];
    const events = kept.includes(event) ? kept : [event, ...kept].slice(0, retention.keep);
    const expiresAt = Math.max(this.calls.get(callSid)?.expiresAt ?? 0, this.expiry(retention.ttlSeconds));
    this.calls.set(callSid, { value: events, expiresAt });
  }

  async keepCall(callSid: string, ttlSeconds: number): Promise<void> {
    const events = this.live(this.calls, callSid);
    if (events === undefined) return;
    this.calls.set(callSid, { value: events, expiresAt: Math.max(this.calls.get(callSid)!.expiresAt, this.expiry(ttlSeconds)) });
  }

  async callEvents(callSid: string): Promise<string[]> {
    return [...(this.live(this.calls, callSid) ?? [])];
  }

  async publish(message: string): Promise<void> {
    // As Redis does: listeners hear it after the publisher has gone on.
    setImmediate(() => this.bus.emit('message', message));
  }

  subscribe(listener: DeskListener): () => void {
    const onMessage = (message: string) => listener.message(message);
    this.bus.on('message', onMessage);
    return () => this.bus.off('message', onMessage);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.bus.removeAllListeners();
  }
}
