import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../common/log';
import type { Backend } from './backend';
import { withDeadline } from '../common/deadline';
import { memoryBackend } from './memory';
import { redisBackend } from './redis';

export interface StoreConfig {
  REDIS_URL?: string | undefined;
  REDIS_SENTINELS?: string | undefined;
  REDIS_SENTINEL_NAME: string;
  REDIS_SENTINEL_PASSWORD?: string | undefined;
  REDIS_CLUSTER_NODES?: string | undefined;
  REDIS_PASSWORD?: string | undefined;
  REDIS_KEY_PREFIX: string;
  REDIS_COMMAND_TIMEOUT_MS: number;
  /** Keys the digests that stand for numbers and addresses in Redis. */
  TWILIO_AUTH_TOKEN: string;
}

/** "redis://user:secret@host:6379/0" -> "redis://user:***@host:6379/0" */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

function hostPorts(list: string): { host: string; port: number }[] {
  return list.split(',').map((pair) => {
    const at = pair.lastIndexOf(':');
    return { host: pair.slice(0, at), port: Number(pair.slice(at + 1)) };
  });
}

/**
 * Fail fast rather than queue: a command waits at most the command timeout, nothing is queued while the connection
 * is down, and a failed command is retried once at most, so a webhook never waits on a dead server. The client
 * keeps reconnecting in the background with a bounded back-off, and the line recovers by itself.
 */
function resilience(commandTimeoutMs: number): RedisOptions {
  return {
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // Each command is written as it is issued (ioredis's default). Auto-pipelining, measured here, made much of what
    // a turn allocates outlive its first collection: about 5 KB promoted a webhook against 1.3 KB, and a mean
    // scavenge pause of 4.1 against 2.4 ms (docs/performance.md).
    enableAutoPipelining: false,
    // At most a second between attempts: a Redis that comes back (or up, while start-up waits for it) is seen soon.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 1000),
  };
}

/** Which Redis the configuration names, for logs (no passwords). */
export function describeStore(config: StoreConfig): string {
  if (config.REDIS_SENTINELS !== undefined) return `sentinel ${config.REDIS_SENTINEL_NAME} via ${config.REDIS_SENTINELS}`;
  if (config.REDIS_CLUSTER_NODES !== undefined) return `cluster ${config.REDIS_CLUSTER_NODES}`;
  if (config.REDIS_URL !== undefined) return redactUrl(config.REDIS_URL);
  return 'memory';
}

/** The Redis client the configuration names: one server (REDIS_URL), Sentinel, or Cluster. */
export function createRedisClient(config: StoreConfig): Redis | Cluster | undefined {
  const options = resilience(config.REDIS_COMMAND_TIMEOUT_MS);
  const password = config.REDIS_PASSWORD === undefined ? {} : { password: config.REDIS_PASSWORD };
  if (config.REDIS_SENTINELS !== undefined) {
    return new Redis({
      ...options,
      ...password,
      sentinels: hostPorts(config.REDIS_SENTINELS),
      name: config.REDIS_SENTINEL_NAME,
      ...(config.REDIS_SENTINEL_PASSWORD === undefined ? {} : { sentinelPassword: config.REDIS_SENTINEL_PASSWORD }),
      // After a failover, ask the sentinels again at once and reconnect to the new primary.
      sentinelRetryStrategy: (times) => Math.min(100 * times, 1000),
      failoverDetector: true,
    });
  }
  if (config.REDIS_CLUSTER_NODES !== undefined) {
    return new Cluster(hostPorts(config.REDIS_CLUSTER_NODES), {
      enableOfflineQueue: false,
      // As for one server: each command written as it is issued.
      enableAutoPipelining: false,
      clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
      redisOptions: { ...options, ...password },
      slotsRefreshTimeout: 2000,
    });
  }
  if (config.REDIS_URL !== undefined) return new Redis(config.REDIS_URL, { ...options, ...password });
  return undefined;
}

/** Builds the backend the configuration names: on Redis, or in this process's memory when no Redis is named. */
export function createBackend(config: StoreConfig, logger: Logger): Backend {
  const client = createRedisClient(config);
  const where = describeStore(config);
  if (client === undefined) {
    logger.info('no Redis configured: calls are kept in this process memory');
    return memoryBackend();
  }
  let healthy = true;
  client.on('error', (error: Error) => {
    if (healthy) logger.warn({ redis: where, error: error.message }, 'redis connection problem');
    healthy = false;
  });
  client.on('ready', () => {
    if (!healthy) logger.info({ redis: where }, 'redis connection restored');
    healthy = true;
  });
  logger.info({ redis: where }, 'calls are kept in redis');
  let deskHealthy = true;
  return redisBackend({
    client,
    prefix: config.REDIS_KEY_PREFIX,
    secret: config.TWILIO_AUTH_TOKEN,
    name: where,
    onDeskProblem: (error) => {
      if (deskHealthy) logger.warn({ error: error.message }, 'desk: redis connection problem (live transfers)');
      deskHealthy = false;
    },
  });
}

/**
 * Waits until `backend` answers and takes writes, for at most `ms`; resolves with the last problem when it does not
 * by then (a backend made from the configuration sends nothing before its connection is up).
 */
export async function untilAnswers(backend: Backend, ms: number): Promise<Error | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await withDeadline(backend.ping(), Math.max(1, deadline - Date.now()), 'store ping');
      return undefined;
    } catch (error) {
      if (Date.now() >= deadline) return error as Error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
