import type { Cluster, Redis } from 'ioredis';
import { dropsAt, parseDayCounts, type DayCounts, type InsightsBatch, type InsightsStore } from '../../insights/insights-store';

type Client = Redis | Cluster;

/**
 * The flow's insights on Redis: one hash per flow and day, `<prefix>:{insights}:<flow>:<day>`, field -> count. Every
 * day's hash shares the hash tag {insights}, so one MULTI adds a whole batch on Cluster too, in one round trip.
 */
export class RedisInsightsStore implements InsightsStore {
  constructor(
    private readonly client: Client,
    private readonly prefix: string,
  ) {}

  private key(flowId: string, day: string): string {
    return `${this.prefix}:{insights}:${flowId}:${day}`;
  }

  async add(batches: InsightsBatch[], retentionDays: number): Promise<void> {
    if (batches.length === 0) return;
    const multi = this.client.multi();
    for (const { day, flowId, counts } of batches) {
      const key = this.key(flowId, day);
      for (const [field, n] of counts) multi.hincrby(key, field, n);
      multi.pexpireat(key, dropsAt(day, retentionDays));
    }
    const results = await multi.exec();
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (results === null) throw new Error('the insights were not written: the transaction was aborted');
    if (failed) throw failed;
  }

  async read(flowId: string, days: string[]): Promise<Record<string, DayCounts>> {
    const result: Record<string, DayCounts> = {};
    if (days.length === 0) return result;
    const pipeline = this.client.pipeline();
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
