import type { Cluster, Redis } from 'ioredis';
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
import { readinessProblem, redisAddress } from './redis-readiness';

/**
 * Compare-and-set save of a call session.
 * KEYS[1]  the session hash (fields: v = version, d = JSON record)
 * KEYS[2]  the call's summary key
 * ARGV[1]  expected version (0 = the session must not exist)
 * ARGV[2]  the new JSON record
 * ARGV[3]  time to live, seconds
 * ARGV[4]  '1': at version 0, refuse while the summary exists (a call that has ended is not started again)
 * Returns  1 when saved (version becomes ARGV[1] + 1), 0 when the stored version differs or the call has ended.
 */
const CAS_SAVE = `
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if current ~= tonumber(ARGV[1]) then return 0 end
if current == 0 and ARGV[4] == '1' and redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', current + 1, 'd', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`;

/**
 * Compare-and-set end of a call.
 * KEYS[1]  the session hash
 * KEYS[2]  the summary key
 * ARGV[1]  expected version
 * ARGV[2]  the summary JSON, or '' for none
 * ARGV[3]  the summary's time to live, seconds (0 keeps none)
 * Returns  1 when the session was removed (and the summary kept); when the stored version differs, the session
 *          as it is: { version, JSON record }, or an empty list when there is none.
 */
const CAS_END = `
local session = redis.call('HMGET', KEYS[1], 'v', 'd')
local current = tonumber(session[1] or '0')
if current ~= tonumber(ARGV[1]) then
  if current == 0 then return {} end
  return session
end
redis.call('DEL', KEYS[1])
local ttl = tonumber(ARGV[3])
if ARGV[2] ~= '' and ttl > 0 then redis.call('SET', KEYS[2], ARGV[2], 'EX', ttl) end
return 1
`;

type Client = Redis | Cluster;
type WithCas = Client & {
  casSave(sessionKey: string, summaryKey: string, expected: number, json: string, ttl: number, unlessEnded: string): Promise<number>;
  casEnd(sessionKey: string, summaryKey: string, expected: number, json: string, ttl: number): Promise<1 | (string | null)[]>;
};

/**
 * A SessionStore on Redis (single server, Sentinel or Cluster: anything ioredis connects to). One call's keys
 * share a hash tag, {CallSid}, so they live in one cluster slot and one MULTI can touch them all.
 */
export class RedisStore implements SessionStore {
  private readonly redis: WithCas;
  /** True from the first command of a turn of the event loop until its commands are written. */
  private corked = false;

  constructor(
    client: Client,
    private readonly prefix: string,
  ) {
    client.defineCommand('casSave', { numberOfKeys: 2, lua: CAS_SAVE });
    client.defineCommand('casEnd', { numberOfKeys: 2, lua: CAS_END });
    this.redis = client as WithCas;
  }

  sessionKey(callSid: string): string {
    return `${this.prefix}:{${callSid}}:session`;
  }

  summaryKey(callSid: string): string {
    return `${this.prefix}:{${callSid}}:summary`;
  }

  /**
   * Commands that concurrent webhooks issue in one turn of the event loop go out in one write: the connection is
   * corked at the first and uncorked once the turn's I/O callbacks have run. ioredis's auto-pipelining does the
   * same but builds a pipeline object for every write, which cost more than it saved whenever a turn held one
   * webhook, as it does at an ordinary rate. A Cluster client has a connection per node and auto-pipelines instead.
   */
  private batchWrites(): void {
    if (this.corked) return;
    const stream = 'stream' in this.redis ? (this.redis.stream as Redis['stream'] | undefined) : undefined;
    if (stream === undefined || !stream.writable) return;
    stream.cork();
    this.corked = true;
    setImmediate(() => {
      this.corked = false;
      stream.uncork();
    });
  }

  async load(callSid: string): Promise<StoredSession | null> {
    this.batchWrites();
    const [version, json] = await this.redis.hmget(this.sessionKey(callSid), 'v', 'd');
    return this.stored(version ?? null, json);
  }

  private stored(version: string | null, json: string | null | undefined): StoredSession | null {
    const record = parseStored(sessionRecord, json);
    return version === null || record === null ? null : { version: Number(version), record };
  }

  async save(
    callSid: string,
    record: SessionRecord,
    expectedVersion: number,
    ttlSeconds: number,
    options: SaveOptions = {},
  ): Promise<boolean> {
    const json = JSON.stringify(record);
    const unlessEnded = options.unlessEnded === true ? '1' : '0';
    this.batchWrites();
    const saved = await this.redis.casSave(
      this.sessionKey(callSid),
      this.summaryKey(callSid),
      expectedVersion,
      json,
      ttlSeconds,
      unlessEnded,
    );
    return saved === 1;
  }

  async end(callSid: string, summary: CallSummary | null, summaryTtlSeconds: number): Promise<void> {
    const multi = this.redis.multi().del(this.sessionKey(callSid));
    if (summary !== null && summaryTtlSeconds > 0) multi.set(this.summaryKey(callSid), JSON.stringify(summary), 'EX', summaryTtlSeconds);
    const results = await multi.exec();
    const failed = results?.find(([error]) => error !== null);
    if (failed) throw failed[0];
  }

  async endAt(callSid: string, expectedVersion: number, summary: CallSummary | null, summaryTtlSeconds: number): Promise<EndAtResult> {
    const json = summary === null ? '' : JSON.stringify(summary);
    this.batchWrites();
    const result = await this.redis.casEnd(this.sessionKey(callSid), this.summaryKey(callSid), expectedVersion, json, summaryTtlSeconds);
    if (result === 1) return { ended: true };
    return { ended: false, current: this.stored(result[0] ?? null, result[1]) };
  }

  async loadSummary(callSid: string): Promise<CallSummary | null> {
    return parseStored(callSummary, await this.redis.get(this.summaryKey(callSid)));
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
