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
import { defineScripts } from './scripts';

type Client = Redis | Cluster;

/**
 * Callbacks on the line's Redis. Every key carries the hash tag {callbacks}, so in a cluster they share one slot and
 * each script touches keys of one node. Each callback is a JSON value with the retention as its time to live; the
 * open list is a sorted set by the time asked, so the desk reads it oldest first.
 */
export class RedisCallbackStore implements CallbackStore {
  private readonly redis: Client;

  constructor(
    client: Client,
    private readonly prefix: string,
  ) {
    this.redis = defineScripts(client);
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
