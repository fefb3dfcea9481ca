import type { Cluster, Redis } from 'ioredis';
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
  type StoredSession,
} from '../../store/session-store';
import { readinessProblem, redisAddress } from './readiness';
import { defineScripts } from './scripts';

/*
 * A call's session is one hash: v = version, d = the JSON record while the call is live, e = '1' once it has
 * ended (then d is gone). Its summary is a key of its own, with its own time to live.
 */

type Client = Redis | Cluster;

/**
 * A SessionStore on Redis (single server, Sentinel or Cluster: anything ioredis connects to). One call's keys
 * share a hash tag, {CallSid}, so they live in one cluster slot and one script can touch them all.
 */
export class RedisStore implements SessionStore {
  private readonly redis: Client;

  constructor(
    client: Client,
    readonly prefix: string,
  ) {
    this.redis = defineScripts(client);
  }

  /** The connection, for what shares this Redis and its key prefix (the desk page's store). */
  get client(): Client {
    return this.redis;
  }

  sessionKey(callSid: string): string {
    return `${this.prefix}:{${callSid}}:session`;
  }

  summaryKey(callSid: string): string {
    return `${this.prefix}:{${callSid}}:summary`;
  }

  async load(callSid: string): Promise<Found> {
    const [first, second] = await this.redis.loadCall(this.sessionKey(callSid), this.summaryKey(callSid));
    if (first === 'ended') return { ended: true, summary: parseStored(callSummary, second) };
    return this.stored(first, second);
  }

  private stored(version: string | null | undefined, json: string | null | undefined): StoredSession | null {
    const record = parseStored(sessionRecord, json);
    return version === null || version === undefined || record === null ? null : { version: Number(version), record };
  }

  async save(callSid: string, record: SessionRecord, expectedVersion: number, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.casSave(this.sessionKey(callSid), expectedVersion, JSON.stringify(record), ttlSeconds)) === 1;
  }

  async restore(callSid: string, record: SessionRecord, version: number, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.restoreCall(this.sessionKey(callSid), version, JSON.stringify(record), ttlSeconds)) === 1;
  }

  async end(callSid: string, summary: CallSummary | null, retention: Retention): Promise<void> {
    await this.endCall(callSid, '', summary, retention);
  }

  endAt(callSid: string, expectedVersion: number, summary: CallSummary | null, retention: Retention): Promise<EndAtResult> {
    return this.endCall(callSid, expectedVersion, summary, retention);
  }

  private async endCall(callSid: string, expected: number | '', summary: CallSummary | null, retention: Retention): Promise<EndAtResult> {
    const json = summary === null ? '' : JSON.stringify(summary);
    const result = await this.redis.endCall(
      this.sessionKey(callSid),
      this.summaryKey(callSid),
      expected,
      json,
      retention.summaryTtlSeconds,
      retention.endedTtlSeconds,
    );
    if (result === 1 || result === 2) return { ended: true, already: result === 2 };
    return { ended: false, current: this.stored(result[0], result[1]) };
  }

  /**
   * A write, not PING: a Redis that is full under maxmemory with noeviction, or a read-only replica, answers PING
   * but refuses every save, and a line on it transfers every caller. The probe key has a slot of its own
   * ({ready}), so it works on Cluster, and expires at once, so it leaves nothing behind. Rejects with the reason
   * in plain words (see readinessProblem).
   */
  async ping(): Promise<void> {
    try {
      await this.redis.set(`${this.prefix}:{ready}:probe`, '1', 'PX', 1);
    } catch (error) {
      throw new Error(readinessProblem(error, redisAddress(this.redis)));
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
