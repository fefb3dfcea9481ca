import type { Cluster, Redis } from 'ioredis';

/** One cap: at most `limit` texts an hour under `name` ("line", or a range of numbers such as "+1204"). */
export interface Cap {
  name: string;
  limit: number;
}

/**
 * Caps an hour on text messages, over every instance: `take` counts the text `id` (a call and a kind of message)
 * under every cap, or, when one of them is full, counts nothing and returns that cap's name. The same `id` again
 * within the hour is not counted again (a caller pressing 8 twice is told it was sent already, not refused).
 * Counts start again on each clock hour.
 */
export interface TextCaps {
  take(id: string, caps: readonly Cap[], at: Date): Promise<{ ok: true } | { ok: false; cap: string }>;
  /** Undoes `take` for a text that was not queued after all (the same `caps` and `at`); nothing when it was not counted. */
  giveBack(id: string, caps: readonly Cap[], at: Date): Promise<void>;
}

const HOUR_MS = 60 * 60 * 1000;
const hourOf = (at: Date) => Math.floor(at.getTime() / HOUR_MS);

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

/** The caps in this process's memory (a local run without Redis); only the current hour is kept. */
export class MemoryTextCaps implements TextCaps {
  private hour = -1;
  private readonly counts = new Map<string, number>();
  private readonly counted = new Set<string>();

  take(id: string, caps: readonly Cap[], at: Date): Promise<{ ok: true } | { ok: false; cap: string }> {
    this.atHour(hourOf(at));
    if (this.counted.has(id)) return Promise.resolve({ ok: true });
    const full = caps.find((c) => (this.counts.get(c.name) ?? 0) >= c.limit);
    if (full !== undefined) return Promise.resolve({ ok: false, cap: full.name });
    for (const c of caps) this.counts.set(c.name, (this.counts.get(c.name) ?? 0) + 1);
    this.counted.add(id);
    return Promise.resolve({ ok: true });
  }

  giveBack(id: string, caps: readonly Cap[], at: Date): Promise<void> {
    this.atHour(hourOf(at));
    if (this.counted.delete(id)) for (const c of caps) this.counts.set(c.name, Math.max(0, (this.counts.get(c.name) ?? 0) - 1));
    return Promise.resolve();
  }

  private atHour(hour: number): void {
    if (hour === this.hour) return;
    this.hour = hour;
    this.counts.clear();
    this.counted.clear();
  }
}
