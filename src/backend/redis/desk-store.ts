import type { Cluster, Redis } from 'ioredis';
import {
  parseSession,
  type DayRecord,
  type DayResult,
  type DayRetention,
  type DeskListener,
  type DeskSession,
  type DeskStore,
} from '../../desk/desk-store';

/**
 * Records one thing that happened on a day, at once. The day's keys share a hash tag: one cluster slot.
 * KEYS[1]  the day's events: a list, newest first
 * KEYS[2]  the day's counted calls: a hash CallSid -> outcome
 * KEYS[3]  the day's outcome counts: a hash outcome -> count
 * KEYS[4]  the day's transfer attempts: a hash CallSid -> attempts
 * KEYS[5]  the day's recorded event ids: a hash id -> 1
 * ARGV[1]  an event's JSON, or ''
 * ARGV[2]  the CallSid whose transfer attempt this is, or ''
 * ARGV[3]  the CallSid to count once, or ''
 * ARGV[4]  the outcome to count it under
 * ARGV[5]  how many events the day keeps
 * ARGV[6]  the time to live of each key written, seconds
 * ARGV[7]  the channel to publish on
 * ARGV[8]  a message (a JSON object) to publish, or '': with ARGV[2], the attempt is added as its last field
 *          (as withAttempt in desk-store.ts does)
 * ARGV[9]  the day, for the counts published when the call was counted now
 * ARGV[10] the event's id, or '': an id recorded before records nothing (returns { -1, {} })
 * Returns  { attempt (0: none counted), the day's counts as [outcome, count, ...] when the call was counted now, else {} }
 * Publishing here rather than after the reply saves the event a round trip (each write to Redis wakes it).
 */
const RECORD = `
local ttl = tonumber(ARGV[6])
if ARGV[10] ~= '' then
  if redis.call('HSETNX', KEYS[5], ARGV[10], '1') == 0 then return { -1, {} } end
  redis.call('EXPIRE', KEYS[5], ttl)
end
if ARGV[1] ~= '' then
  redis.call('LPUSH', KEYS[1], ARGV[1])
  redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[5]) - 1)
  redis.call('EXPIRE', KEYS[1], ttl)
end
local attempt = 0
if ARGV[2] ~= '' then
  attempt = redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
  redis.call('EXPIRE', KEYS[4], ttl)
end
local counts = {}
if ARGV[3] ~= '' and redis.call('HSETNX', KEYS[2], ARGV[3], ARGV[4]) == 1 then
  redis.call('HINCRBY', KEYS[3], ARGV[4], 1)
  redis.call('EXPIRE', KEYS[2], ttl)
  redis.call('EXPIRE', KEYS[3], ttl)
  counts = redis.call('HGETALL', KEYS[3])
end
if ARGV[8] ~= '' then
  local message = ARGV[8]
  if ARGV[2] ~= '' and #message > 2 and string.sub(message, 1, 1) == '{' and string.sub(message, -1) == '}' then
    message = string.sub(message, 1, -2) .. ',"attempt":' .. attempt .. '}'
  end
  redis.call('PUBLISH', ARGV[7], message)
end
if #counts > 0 then
  local fields = {}
  for i = 1, #counts, 2 do fields[#fields + 1] = cjson.encode(counts[i]) .. ':' .. counts[i + 1] end
  redis.call('PUBLISH', ARGV[7], '{"type":"outcomes","day":' .. cjson.encode(ARGV[9]) .. ',"counts":{' .. table.concat(fields, ',') .. '}}')
end
return { attempt, counts }
`;

/**
 * Adds a call to a reference's calls; the set lives at least ARGV[2] seconds more.
 * KEYS[1]  the reference's set of CallSids
 * ARGV[1]  the CallSid
 * ARGV[2]  time to live, seconds
 */
const INDEX = `
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2])) end
return 1
`;

/**
 * Keeps an event in a call's own list, once (the list is short); the list lives at least ARGV[3] seconds more.
 * KEYS[1]  the call's events: a list, newest first
 * ARGV[1]  the event's JSON
 * ARGV[2]  how many events the call keeps
 * ARGV[3]  time to live, seconds
 */
const RECORD_CALL = `
if not redis.call('LPOS', KEYS[1], ARGV[1]) then
  redis.call('LPUSH', KEYS[1], ARGV[1])
  redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
end
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3])) end
return 1
`;

/**
 * Makes a call's list live at least ARGV[1] seconds more; nothing when there is none.
 * KEYS[1]  the call's events
 */
const KEEP_CALL = `
local ttl = redis.call('TTL', KEYS[1])
if ttl ~= -2 and ttl < tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1])) end
return 1
`;

type Client = Redis | Cluster;
type Scripted = Client & {
  deskRecord(
    events: string,
    counted: string,
    counts: string,
    attempts: string,
    recorded: string,
    event: string,
    attemptOf: string,
    countOnce: string,
    outcome: string,
    keep: number,
    ttl: number,
    channel: string,
    publish: string,
    day: string,
    id: string,
  ): Promise<[number, string[]]>;
  deskIndex(key: string, callSid: string, ttl: number): Promise<number>;
  deskRecordCall(key: string, event: string, keep: number, ttl: number): Promise<number>;
  deskKeepCall(key: string, ttl: number): Promise<number>;
};

function pairs(flat: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) counts[flat[i]!] = Number(flat[i + 1]);
  return counts;
}

function withScripts(client: Client): Scripted {
  client.defineCommand('deskRecord', { numberOfKeys: 5, lua: RECORD });
  client.defineCommand('deskIndex', { numberOfKeys: 1, lua: INDEX });
  client.defineCommand('deskRecordCall', { numberOfKeys: 1, lua: RECORD_CALL });
  client.defineCommand('deskKeepCall', { numberOfKeys: 1, lua: KEEP_CALL });
  return client as Scripted;
}

/**
 * The desk's store on the call store's Redis, under the same key prefix. Publishing uses Redis pub/sub on one
 * channel; each instance holds one more connection, made on the first `subscribe`, that listens to it.
 *
 * What the desk's events write (`record`, `indexReference`, `recordCall`, `keepCall`) goes on a connection of its
 * own, with ioredis's auto-pipelining: the commands the desk issues in one turn (it starts the events of 100 ms
 * together) go to Redis in one write, on a cluster one per node. The call store's connection writes each command as
 * it is issued (src/backend/connect.ts).
 */
export class RedisDeskStore implements DeskStore {
  private readonly redis: Scripted;
  private readonly writer: Scripted;
  private subscriber: Client | undefined;
  private readonly listeners = new Set<DeskListener>();

  constructor(
    client: Client,
    private readonly prefix: string,
    private readonly onProblem: (error: Error) => void = () => {},
  ) {
    this.redis = withScripts(client);
    this.writer = withScripts(
      client.isCluster
        ? (client as Cluster).duplicate(undefined, { enableAutoPipelining: true })
        : (client as Redis).duplicate({ enableAutoPipelining: true }),
    );
    this.writer.on('error', (error: Error) => this.onProblem(error));
    // The desk's connections go when the call store's does: closing the store closes them all.
    client.once('end', () => {
      this.subscriber?.disconnect();
      this.writer.disconnect();
    });
  }

  private key(...parts: string[]): string {
    return [this.prefix, 'desk', ...parts].join(':');
  }

  /** A day's keys, in one cluster slot. */
  private dayKey(day: string, what: string): string {
    return `${this.prefix}:{desk-day:${day}}:${what}`;
  }

  get channel(): string {
    return this.key('live');
  }

  async putSession(id: string, session: DeskSession, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.key('session', id), JSON.stringify(session), 'EX', ttlSeconds);
  }

  async getSession(id: string): Promise<DeskSession | null> {
    return parseSession(await this.redis.get(this.key('session', id)));
  }

  async deleteSession(id: string): Promise<void> {
    await this.redis.del(this.key('session', id));
  }

  async record(day: string, record: DayRecord, retention: DayRetention): Promise<DayResult> {
    const [attempt, flat] = await this.writer.deskRecord(
      this.dayKey(day, 'events'),
      this.dayKey(day, 'counted'),
      this.dayKey(day, 'outcomes'),
      this.dayKey(day, 'attempts'),
      this.dayKey(day, 'recorded'),
      record.event ?? '',
      record.attemptOf ?? '',
      record.countOnce?.callSid ?? '',
      record.countOnce?.outcome ?? '',
      retention.keep,
      retention.ttlSeconds,
      this.channel,
      record.publish ?? '',
      day,
      record.id ?? '',
    );
    const done = Number(attempt) < 0 || record.attemptOf === undefined;
    return { attempt: done ? null : Number(attempt), counts: flat.length === 0 ? null : pairs(flat) };
  }

  events(day: string): Promise<string[]> {
    return this.redis.lrange(this.dayKey(day, 'events'), 0, -1);
  }

  async outcomes(day: string): Promise<Record<string, number>> {
    const all = await this.redis.hgetall(this.dayKey(day, 'outcomes'));
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Number(v)]));
  }

  async indexReference(reference: string, callSid: string, ttlSeconds: number): Promise<void> {
    await this.writer.deskIndex(this.key('reference', reference), callSid, ttlSeconds);
  }

  callsWithReference(reference: string): Promise<string[]> {
    return this.redis.smembers(this.key('reference', reference));
  }

  async recordCall(callSid: string, event: string, retention: DayRetention): Promise<void> {
    await this.writer.deskRecordCall(this.key('call', callSid), event, retention.keep, retention.ttlSeconds);
  }

  async keepCall(callSid: string, ttlSeconds: number): Promise<void> {
    await this.writer.deskKeepCall(this.key('call', callSid), ttlSeconds);
  }

  callEvents(callSid: string): Promise<string[]> {
    return this.redis.lrange(this.key('call', callSid), 0, -1);
  }

  async publish(message: string): Promise<void> {
    await this.redis.publish(this.channel, message);
  }

  subscribe(listener: DeskListener): () => void {
    this.listeners.add(listener);
    if (this.subscriber === undefined) this.listen();
    return () => this.listeners.delete(listener);
  }

  private listen(): void {
    // A connection of its own (a subscribed connection takes no other command). Unlike the call store's, it may
    // queue its SUBSCRIBE while it connects, and ioredis subscribes again after each reconnection.
    const subscriber = this.redis.isCluster
      ? (this.redis as Cluster).duplicate(undefined, { enableOfflineQueue: true })
      : (this.redis as Redis).duplicate({ enableOfflineQueue: true });
    this.subscriber = subscriber;
    let connected = false;
    let up: boolean | undefined;
    const connection = (now: boolean) => {
      if (now === up) return;
      up = now;
      for (const l of this.listeners) l.connection?.(now);
    };
    subscriber.on('ready', () => {
      // Back after a break: what was published meanwhile never arrived.
      if (connected) for (const l of this.listeners) l.resync();
      connected = true;
    });
    // Listening once subscribed (after each reconnection ioredis subscribes again, then emits this).
    subscriber.on('ready', () => connection(true));
    subscriber.on('close', () => connection(false));
    subscriber.on('end', () => connection(false));
    subscriber.on('error', (error: Error) => this.onProblem(error));
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) for (const l of this.listeners) l.message(message);
    });
    subscriber.subscribe(this.channel).catch((error: Error) => this.onProblem(error));
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    this.writer.disconnect();
  }
}
