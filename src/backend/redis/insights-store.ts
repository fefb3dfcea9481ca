import type { Cluster, Redis } from 'ioredis';
import {
  APPLIED_TTL_MS,
  dropsAt,
  parseDayCounts,
  type DayCounts,
  type InsightsStore,
  type InsightsWrite,
} from '../../insights/insights-store';
import { defineScripts } from './scripts';

type Client = Redis | Cluster;

/**
 * The flow's insights on Redis: one hash per flow and day, `<prefix>:{insights}:<flow>:<day>`, field -> count, and
 * `<prefix>:{insights}:applied:<instance>`, the number of the last write added of each instance. Every key shares the hash tag {insights}, so
 * one script adds a whole write on Cluster too, in one round trip, once (lua/add-insights.lua).
 */
export class RedisInsightsStore implements InsightsStore {
  private readonly redis: Client;

  constructor(
    client: Client,
    private readonly prefix: string,
  ) {
    this.redis = defineScripts(client);
  }

  private key(flowId: string, day: string): string {
    return `${this.prefix}:{insights}:${flowId}:${day}`;
  }

  async add(write: InsightsWrite, retentionDays: number): Promise<{ failedFields: number }> {
    if (write.batches.length === 0) return { failedFields: 0 };
    const keys = [this.appliedKey(write.instance)];
    const args: (string | number)[] = [write.seq, APPLIED_TTL_MS];
    for (const { day, flowId, counts } of write.batches) {
      keys.push(this.key(flowId, day));
      args.push(dropsAt(day, retentionDays), counts.size);
      for (const [field, n] of counts) args.push(field, n);
    }
    const [, failedFields] = await this.redis.addInsights(keys.length, ...keys, ...args);
    return { failedFields };
  }

  private appliedKey(instance: string): string {
    return `${this.prefix}:{insights}:applied:${instance}`;
  }

  async lastApplied(instance: string): Promise<number> {
    const stored = Number((await this.redis.get(this.appliedKey(instance))) ?? -1);
    return Number.isInteger(stored) && stored >= 0 ? stored : -1;
  }

  async read(flowId: string, days: string[]): Promise<Record<string, DayCounts>> {
    const result: Record<string, DayCounts> = {};
    if (days.length === 0) return result;
    const pipeline = this.redis.pipeline();
    for (const day of days) pipeline.hgetall(this.key(flowId, day));
    const replies = (await pipeline.exec()) ?? [];
    days.forEach((day, i) => {
      const [error, stored] = replies[i] ?? [new Error('no reply'), null];
      if (error) throw error;
      result[day] = parseDayCounts((stored ?? {}) as Record<string, unknown>);
    });
    return result;
  }
}
