import type { Cluster, Redis } from 'ioredis';
import {
  parseCallback,
  type AskLimits,
  type AskResult,
  type WithdrawResult,
  type CallbackRecord,
  type CallbackStore,
  type ClaimResult,
  type CloseOutcome,
  type CloseResult,
} from '../../requests/callbacks/callback-store';

/**
 * Ask for a callback once, at most one open per number, and within the line's limit an hour.
 * KEYS[1] the callback (a hash: `record`, the JSON as asked; `status`, `claimedBy`, `closedAt`; `hold:<attempt>`
 * for each attempt that holds it, `gone:<attempt>` for each withdrawn; with a time to live), KEYS[2] the open list
 * (sorted set, score = time asked), KEYS[3] the id of the callback last asked for the number, KEYS[4] the count of
 * callbacks asked this hour.
 * ARGV[1] its id, ARGV[2] the JSON, ARGV[3] when it was asked (epoch ms), ARGV[4] its time to live in seconds,
 * ARGV[5] the attempt, ARGV[6] the limit an hour ('' for none: then KEYS[3] and KEYS[4] are not used).
 * Returns 'kept'; 'already' when a callback with this id exists (this attempt holds it too) or this attempt was
 * withdrawn before its ask arrived (nothing changes); 'open' (the number's last callback is still on the open
 * list: open or claimed); 'limit' (the hour's count is at the limit). Only 'kept' and 'already' change anything.
 */
const ASK = `
if redis.call('HEXISTS', KEYS[1], 'gone:' .. ARGV[5]) == 1 then return 'already' end
local status = redis.call('HGET', KEYS[1], 'status')
if status and status ~= 'withdrawn' then
  redis.call('HSET', KEYS[1], 'hold:' .. ARGV[5], '1')
  return 'already'
end
local limited = ARGV[6] ~= ''
if limited then
  local other = redis.call('GET', KEYS[3])
  if other and redis.call('ZSCORE', KEYS[2], other) then return 'open' end
  if tonumber(redis.call('GET', KEYS[4]) or '0') >= tonumber(ARGV[6]) then return 'limit' end
end
redis.call('HSET', KEYS[1], 'record', ARGV[2], 'status', 'open', 'hold:' .. ARGV[5], '1')
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
-- The list lives as long as its newest callback could: nothing is kept without a time to live.
redis.call('EXPIRE', KEYS[2], ARGV[4])
if limited then
  redis.call('SET', KEYS[3], ARGV[1], 'EX', ARGV[4])
  redis.call('INCR', KEYS[4])
  redis.call('EXPIRE', KEYS[4], 7200)
end
return 'kept'`;

/**
 * Give an open callback to one agent.
 * KEYS[1] the callback. ARGV[1] the agent.
 * Returns 'claimed' (also when this agent holds it already), 'taken' or 'gone'.
 */
const CLAIM = `
local state = redis.call('HMGET', KEYS[1], 'status', 'claimedBy')
if not state[1] or state[1] == 'withdrawn' then return 'gone' end
if state[1] == 'claimed' and state[2] == ARGV[1] then return 'claimed' end
if state[1] ~= 'open' then return 'taken' end
redis.call('HSET', KEYS[1], 'status', 'claimed', 'claimedBy', ARGV[1])
return 'claimed'`;

/**
 * Close a callback the agent holds.
 * KEYS[1] the callback, KEYS[2] the open list. ARGV[1] the agent, ARGV[2] 'done' or 'not-reached', ARGV[3] now
 * (epoch ms), ARGV[4] its id.
 * Returns 'closed', 'not-yours' or 'gone'.
 */
const CLOSE = `
local state = redis.call('HMGET', KEYS[1], 'status', 'claimedBy')
if not state[1] or state[1] == 'withdrawn' then return 'gone' end
if state[1] ~= 'claimed' or state[2] ~= ARGV[1] then return 'not-yours' end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'closedAt', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[4])
return 'closed'`;

/**
 * Take off the open list what was asked before a time.
 * KEYS[1] the open list. ARGV[1] the time (epoch ms).
 * Returns how many were taken off (by this call only, so each is counted once).
 */
const EXPIRE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
if #ids == 0 then return 0 end
return redis.call('ZREM', KEYS[1], unpack(ids))`;

/**
 * Let go of an attempt's hold on a callback: its caller was not told it is booked.
 * KEYS[1] the callback, KEYS[2] the open list. ARGV[1] its id, ARGV[2] the attempt, ARGV[3] the time to live in
 * seconds of the mark left when the ask has not arrived yet.
 * Returns 'withdrawn' when the callback was taken off the open list (open, and no other attempt holds it), 'held'
 * when it stays (another attempt holds it, or an agent has it), 'absent' when none is listed (not asked yet, or
 * withdrawn before).
 */
const WITHDRAW = `
local status = redis.call('HGET', KEYS[1], 'status')
redis.call('HSET', KEYS[1], 'gone:' .. ARGV[2], '1')
redis.call('HDEL', KEYS[1], 'hold:' .. ARGV[2])
if not status then
  redis.call('HSET', KEYS[1], 'status', 'withdrawn')
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return 'absent'
end
if status == 'withdrawn' then return 'absent' end
if status ~= 'open' then return 'held' end
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(field, 1, 5) == 'hold:' then return 'held' end
end
redis.call('HSET', KEYS[1], 'status', 'withdrawn')
redis.call('ZREM', KEYS[2], ARGV[1])
return 'withdrawn'`;

type Client = Redis | Cluster;
type Scripted = Client & {
  askCallback(
    item: string,
    open: string,
    number: string,
    hour: string,
    id: string,
    json: string,
    askedAt: number,
    ttl: number,
    attempt: string,
    limit: number | '',
  ): Promise<AskResult>;
  withdrawCallback(item: string, open: string, id: string, attempt: string, ttl: number): Promise<WithdrawResult>;
  claimCallback(item: string, agent: string): Promise<ClaimResult>;
  closeCallback(item: string, open: string, agent: string, outcome: CloseOutcome, at: number, id: string): Promise<CloseResult>;
  expireCallbacks(open: string, before: number): Promise<number>;
};

/**
 * Callbacks on the line's Redis. Every key carries the hash tag {callbacks}, so in a cluster they share one slot and
 * each script touches keys of one node. Each callback is a JSON value with the retention as its time to live; the
 * open list is a sorted set by the time asked, so the desk reads it oldest first.
 */
export class RedisCallbackStore implements CallbackStore {
  private readonly redis: Scripted;

  constructor(
    client: Client,
    private readonly prefix: string,
  ) {
    client.defineCommand('askCallback', { numberOfKeys: 4, lua: ASK });
    client.defineCommand('claimCallback', { numberOfKeys: 1, lua: CLAIM });
    client.defineCommand('closeCallback', { numberOfKeys: 2, lua: CLOSE });
    client.defineCommand('expireCallbacks', { numberOfKeys: 1, lua: EXPIRE });
    client.defineCommand('withdrawCallback', { numberOfKeys: 2, lua: WITHDRAW });
    this.redis = client as Scripted;
  }

  private item(id: string): string {
    return `${this.prefix}:{callbacks}:item:${id}`;
  }

  private get openKey(): string {
    return `${this.prefix}:{callbacks}:open`;
  }

  ask(callback: CallbackRecord, retentionSeconds: number, attempt = 'ask', limits?: AskLimits): Promise<AskResult> {
    const hour = Math.floor(callback.askedAt / (60 * 60 * 1000));
    return this.redis.askCallback(
      this.item(callback.id),
      this.openKey,
      `${this.prefix}:{callbacks}:number:${limits?.numberKey ?? ''}`,
      `${this.prefix}:{callbacks}:hour:${hour}`,
      callback.id,
      JSON.stringify(callback),
      callback.askedAt,
      retentionSeconds,
      attempt,
      limits?.hourlyLimit ?? '',
    );
  }

  withdraw(id: string, attempt: string, retentionSeconds: number): Promise<WithdrawResult> {
    return this.redis.withdrawCallback(this.item(id), this.openKey, id, attempt, retentionSeconds);
  }

  async open(): Promise<CallbackRecord[]> {
    const ids = await this.redis.zrange(this.openKey, 0, -1);
    const found = await Promise.all(ids.map((id) => this.get(id)));
    return found.flatMap((c) => (c !== null && (c.status === 'open' || c.status === 'claimed') ? [c] : []));
  }

  async get(id: string): Promise<CallbackRecord | null> {
    const [record, status, claimedBy, closedAt] = await this.redis.hmget(this.item(id), 'record', 'status', 'claimedBy', 'closedAt');
    const asked = parseCallback(record);
    // A withdrawn callback is no one's to call.
    if (asked === null || status === 'withdrawn') return null;
    return parseCallback(
      JSON.stringify({
        ...asked,
        status,
        claimedBy: claimedBy ?? null,
        closedAt: closedAt === null || closedAt === undefined ? null : Number(closedAt),
      }),
    );
  }

  claim(id: string, agent: string): Promise<ClaimResult> {
    return this.redis.claimCallback(this.item(id), agent);
  }

  close(id: string, agent: string, outcome: CloseOutcome, at: number): Promise<CloseResult> {
    return this.redis.closeCallback(this.item(id), this.openKey, agent, outcome, at, id);
  }

  expire(before: number): Promise<number> {
    return this.redis.expireCallbacks(this.openKey, before);
  }
}
