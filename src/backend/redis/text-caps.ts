import type { Cluster, Redis } from 'ioredis';
import { hourOf, type Cap, type TextCaps } from '../../requests/texts/text-caps';

/**
 * Count one text under several caps, all or none, once.
 * KEYS[1] the text's own key (set once it is counted), KEYS[2..] the caps' counts for the hour.
 * ARGV[1] how long the keys live (seconds), ARGV[2..] each cap's limit.
 * Returns 0 when every count was raised (or the text was counted before), else the 1-based index of the first full
 * cap (nothing counted).
 */
const TAKE_CAPS = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 2, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[i]) then return i - 1 end
end
for i = 2, #KEYS do
  redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[1])
end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
return 0`;

/**
 * Undo a take whose text was not queued.
 * KEYS[1] the text's own key, KEYS[2..] the caps' counts for the hour.
 * Returns 1 when given back, 0 when the text was not counted (nothing changes).
 */
const GIVE_BACK_CAPS = `
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
for i = 2, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 1`;

type Client = Redis | Cluster;

/** The caps on the line's Redis, in one script: two instances cannot both take the last text of an hour. */
export class RedisTextCaps implements TextCaps {
  private readonly redis: Client & {
    takeTextCaps(...args: (string | number)[]): Promise<number>;
    giveBackTextCaps(...args: string[]): Promise<number>;
  };

  constructor(
    client: Client,
    private readonly prefix: string,
  ) {
    client.defineCommand('takeTextCaps', { lua: TAKE_CAPS });
    client.defineCommand('giveBackTextCaps', { lua: GIVE_BACK_CAPS });
    this.redis = client as typeof this.redis;
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
