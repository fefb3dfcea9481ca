import type { Cluster, Redis } from 'ioredis';
import { hourOf, type Cap, type TextCaps } from '../../requests/texts/text-caps';
import { defineScripts } from './scripts';

type Client = Redis | Cluster;

/** The caps on the line's Redis, in one script: two instances cannot both take the last text of an hour. */
export class RedisTextCaps implements TextCaps {
  private readonly redis: Client;

  constructor(
    client: Client,
    private readonly prefix: string,
  ) {
    this.redis = defineScripts(client);
  }

  private keys(id: string, caps: readonly Cap[], at: Date): string[] {
    const hour = hourOf(at);
    // The {sms} hash tag: one slot with the other text-message keys on a cluster.
    return [`${this.prefix}:{sms}:hour:${hour}:text:${id}`, ...caps.map((c) => `${this.prefix}:{sms}:hour:${hour}:${c.name}`)];
  }

  async take(id: string, caps: readonly Cap[], at: Date): Promise<{ ok: true } | { ok: false; cap: string }> {
    const keys = this.keys(id, caps, at);
    const full = await this.redis.takeTextCaps(keys.length, ...keys, 2 * 60 * 60, ...caps.map((c) => c.limit));
    return full === 0 ? { ok: true } : { ok: false, cap: caps[full - 1]!.name };
  }

  async giveBack(id: string, caps: readonly Cap[], at: Date): Promise<void> {
    const keys = this.keys(id, caps, at);
    await this.redis.giveBackTextCaps(String(keys.length), ...keys);
  }
}
