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

/*
 * A call's session is one hash: v = version, d = the JSON record while the call is live, e = '1' once it has
 * ended (then d is gone). Its summary is a key of its own, with its own time to live.
 */

/**
 * Reads a call.
 * KEYS[1]  the session hash
 * KEYS[2]  the summary key
 * Returns  { version, JSON record } (either may be nil), or { 'ended', summary JSON or nil } for a call that ended.
 */
const LOAD = `
local s = redis.call('HMGET', KEYS[1], 'v', 'd', 'e')
if s[3] then return { 'ended', redis.call('GET', KEYS[2]) } end
return { s[1], s[2] }
`;

/**
 * Compare-and-set save of a call session.
 * KEYS[1]  the session hash
 * ARGV[1]  expected version (0 = the session must not exist)
 * ARGV[2]  the new JSON record
 * ARGV[3]  time to live, seconds
 * Returns  1 when saved (version becomes ARGV[1] + 1), 0 when the stored version differs or the call has ended.
 */
const CAS_SAVE = `
local s = redis.call('HMGET', KEYS[1], 'v', 'e')
if s[2] then return 0 end
local current = tonumber(s[1] or '0')
if current ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', current + 1, 'd', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`;

/**
 * Puts back a copy of a call the store lost, or holds an older copy of.
 * KEYS[1]  the session hash
 * ARGV[1]  the copy's version
 * ARGV[2]  its JSON record
 * ARGV[3]  time to live, seconds
 * Returns  1 when stored, 0 when the stored version is as high or higher, or the call has ended.
 */
const RESTORE = `
local s = redis.call('HMGET', KEYS[1], 'v', 'e')
if s[2] then return 0 end
if tonumber(s[1] or '0') >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`;

/**
 * Ends a call: the session becomes a mark that the call has ended, and the summary is kept.
 * KEYS[1]  the session hash
 * KEYS[2]  the summary key
 * ARGV[1]  expected version, or '' to end it at whatever version it is
 * ARGV[2]  the summary JSON, or '' for none
 * ARGV[3]  the summary's time to live, seconds (0 keeps none)
 * ARGV[4]  the ended mark's time to live, seconds
 * Returns  1 when ended now, 2 when it had ended already (nothing changes); when the stored version differs from
 *          ARGV[1], the session as it is: { version, JSON record }, or an empty list when there is none.
 */
const END = `
local s = redis.call('HMGET', KEYS[1], 'v', 'd', 'e')
if s[3] then return 2 end
local current = tonumber(s[1] or '0')
if ARGV[1] ~= '' and current ~= tonumber(ARGV[1]) then
  if current == 0 then return {} end
  return { s[1], s[2] }
end
redis.call('HDEL', KEYS[1], 'd')
redis.call('HSET', KEYS[1], 'v', current + 1, 'e', '1')
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
local ttl = tonumber(ARGV[3])
if ARGV[2] ~= '' and ttl > 0 then redis.call('SET', KEYS[2], ARGV[2], 'EX', ttl) end
return 1
`;

type Client = Redis | Cluster;
type Scripted = Client & {
  loadCall(sessionKey: string, summaryKey: string): Promise<[string | null, string | null]>;
  casSave(sessionKey: string, expected: number, json: string, ttl: number): Promise<number>;
  restoreCall(sessionKey: string, version: number, json: string, ttl: number): Promise<number>;
  endCall(
    sessionKey: string,
    summaryKey: string,
    expected: number | '',
    json: string,
    summaryTtl: number,
    endedTtl: number,
  ): Promise<1 | 2 | (string | null)[]>;
};

/**
 * A SessionStore on Redis (single server, Sentinel or Cluster: anything ioredis connects to). One call's keys
 * share a hash tag, {CallSid}, so they live in one cluster slot and one script can touch them all.
 */
export class RedisStore implements SessionStore {
  private readonly redis: Scripted;

  constructor(
    client: Client,
    readonly prefix: string,
  ) {
    client.defineCommand('loadCall', { numberOfKeys: 2, lua: LOAD });
    client.defineCommand('casSave', { numberOfKeys: 1, lua: CAS_SAVE });
    client.defineCommand('restoreCall', { numberOfKeys: 1, lua: RESTORE });
    client.defineCommand('endCall', { numberOfKeys: 2, lua: END });
    this.redis = client as Scripted;
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
