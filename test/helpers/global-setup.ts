import { startRedis } from './redis-server';

/** One private redis-server for the whole run; tests use random key prefixes on it. */
export default async function globalSetup(): Promise<void> {
  const redis = await startRedis();
  process.env.TEST_REDIS_URL = redis.url;
  (globalThis as { __portalLineRedis?: typeof redis }).__portalLineRedis = redis;
}
