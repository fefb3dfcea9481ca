import type { Cluster, Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Backend } from '../backend';
import type { TextStores } from '../../requests/create-requests';
import type { AddressBook } from '../../desk/sign-in/known-addresses';
import type { DeskStore } from '../../desk/desk-store';
import { RedisAnnouncementStore } from './announcement-store';
import { RedisCallbackStore } from './callback-store';
import { RedisDeskStore } from './desk-store';
import { RedisMessageCalls } from './message-calls';
import { BullMessageQueue, RedisMessageLimits } from './message-queue';
import { RedisStore } from './session-store';
import { RedisTextCaps } from './text-caps';
import { RedisInsightsStore } from './insights-store';

type Client = Redis | Cluster;

export interface RedisBackendOptions {
  client: Client;
  /** Every key starts with it (REDIS_KEY_PREFIX): several lines can share one Redis. */
  prefix: string;
  /** Keys the digests that stand for numbers and addresses in Redis (the Twilio auth token). */
  secret: string;
  /** Where it is, for logs (no passwords). */
  name?: string;
  /** Told of a problem on the desk's own connections (its live updates), once until they recover. */
  onDeskProblem?: (error: Error) => void;
}

/** The addresses agents signed in from, as the fields of one hash that expires with the last of them. */
class RedisAddressBook implements AddressBook {
  constructor(
    private readonly client: Client,
    private readonly key: string,
  ) {}

  async put(digest: string, until: number, ttlMs: number): Promise<void> {
    await this.client.multi().hset(this.key, digest, String(until)).pexpire(this.key, ttlMs).exec();
  }

  all(): Promise<Record<string, string>> {
    return this.client.hgetall(this.key);
  }

  async drop(digests: string[]): Promise<void> {
    await this.client.hdel(this.key, ...digests);
  }
}

/**
 * Everything on one Redis (one server, Sentinel or Cluster) under one key prefix, shared by every instance of the
 * line that names it. Closing it closes the connection and every connection made from it.
 */
export function redisBackend(options: RedisBackendOptions): Backend {
  const { client, prefix, secret } = options;
  const calls = new RedisStore(client, prefix);
  let desk: DeskStore | undefined;
  let texts: TextStores | undefined;
  const announcements = new RedisAnnouncementStore(client, prefix, options.onDeskProblem);
  return {
    name: options.name ?? 'redis',
    calls,
    announcements,
    insights: new RedisInsightsStore(client, prefix),
    callbacks: new RedisCallbackStore(client, prefix),
    desk: () => (desk ??= new RedisDeskStore(client, prefix, options.onDeskProblem)),
    texts: () =>
      (texts ??= {
        queue: new BullMessageQueue(client, prefix),
        limits: new RedisMessageLimits(client, prefix, secret),
        caps: new RedisTextCaps(client, prefix),
        calls: new RedisMessageCalls(client, prefix),
      }),
    limiter: ({ name, points, duration }) => {
      const limits = { keyPrefix: `${prefix}:${name}`, points, duration };
      // Redis not answering: each instance keeps counting on its own until it answers again.
      return new RateLimiterRedis({ ...limits, storeClient: client, insuranceLimiter: new RateLimiterMemory(limits) });
    },
    knownAddresses: new RedisAddressBook(client, `${prefix}:desk:known-addresses`),
    ping: () => calls.ping(),
    close: async () => {
      await announcements.close();
      await calls.close();
    },
  };
}
