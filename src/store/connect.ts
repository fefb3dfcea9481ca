import { Redis } from 'ioredis';
import type { Logger } from '../log';
import { MemoryStore } from './memory-store';
import { RedisStore } from './redis-store';
import type { SessionStore } from './session-store';

export interface StoreConfig {
  REDIS_URL?: string | undefined;
  REDIS_KEY_PREFIX: string;
}

/** "redis://user:secret@host:6379/0" -> "redis://user:***@host:6379/0" */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/**
 * Builds the store REDIS_URL names, or an in-memory one when it is unset. The Redis client fails fast rather than
 * queueing: a command waits at most `commandTimeoutMs`, and nothing is queued while the connection is down, so a
 * webhook never waits on a dead server; the client keeps reconnecting in the background.
 */
export function createStore(config: StoreConfig, logger: Logger, commandTimeoutMs = 800): SessionStore {
  if (config.REDIS_URL === undefined) {
    logger.info('no REDIS_URL: calls are kept in this process memory');
    return new MemoryStore();
  }
  const client = new Redis(config.REDIS_URL, {
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
  let healthy = true;
  client.on('error', (error: Error) => {
    if (healthy) logger.warn({ redis: redactUrl(config.REDIS_URL!), error: error.message }, 'redis connection problem');
    healthy = false;
  });
  client.on('ready', () => {
    if (!healthy) logger.info({ redis: redactUrl(config.REDIS_URL!) }, 'redis connection restored');
    healthy = true;
  });
  logger.info({ redis: redactUrl(config.REDIS_URL) }, 'calls are kept in redis');
  return new RedisStore(client, config.REDIS_KEY_PREFIX);
}
