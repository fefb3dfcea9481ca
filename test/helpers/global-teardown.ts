import type { RedisProcess } from './redis-server';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __portalLineRedis?: RedisProcess }).__portalLineRedis?.stop();
}
