import { dropsAt, parseDayCounts, type DayCounts, type InsightsStore, type InsightsWrite } from '../../insights/insights-store';

/** The flow's insights in this process's memory: flow and day -> counts, each dropped after the retention. */
export class MemoryInsightsStore implements InsightsStore {
  private readonly days = new Map<string, { counts: DayCounts; dropsAt: number }>();
  /** The last write added of each instance (one entry per instance of the line in this process: a few). */
  private readonly applied = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  add(write: InsightsWrite, retentionDays: number): Promise<{ failedFields: number }> {
    this.prune();
    if (write.seq <= (this.applied.get(write.instance) ?? -1)) return Promise.resolve({ failedFields: 0 });
    this.applied.set(write.instance, write.seq);
    for (const { day, flowId, counts } of write.batches) {
      const key = `${flowId} ${day}`;
      let kept = this.days.get(key);
      if (kept === undefined) this.days.set(key, (kept = { counts: {}, dropsAt: 0 }));
      kept.dropsAt = dropsAt(day, retentionDays);
      for (const [field, n] of counts) kept.counts[field] = (kept.counts[field] ?? 0) + n;
    }
    this.prune();
    return Promise.resolve({ failedFields: 0 });
  }

  lastApplied(instance: string): Promise<number> {
    return Promise.resolve(this.applied.get(instance) ?? -1);
  }

  read(flowId: string, days: string[]): Promise<Record<string, DayCounts>> {
    this.prune();
    return Promise.resolve(Object.fromEntries(days.map((day) => [day, parseDayCounts(this.days.get(`${flowId} ${day}`)?.counts ?? {})])));
  }

  private prune(): void {
    const now = this.now();
    for (const [key, kept] of this.days) if (kept.dropsAt <= now) this.days.delete(key);
  }
}
