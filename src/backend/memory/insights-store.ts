import { dropsAt, type DayCounts, type InsightsBatch, type InsightsStore } from '../../insights/insights-store';

/** The flow's insights in this process's memory: flow and day -> counts, each dropped after the retention. */
export class MemoryInsightsStore implements InsightsStore {
  private readonly days = new Map<string, { counts: DayCounts; dropsAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  add(batches: InsightsBatch[], retentionDays: number): Promise<void> {
    this.prune();
    for (const { day, flowId, counts } of batches) {
      const key = `${flowId} ${day}`;
      let kept = this.days.get(key);
      if (kept === undefined) this.days.set(key, (kept = { counts: {}, dropsAt: 0 }));
      kept.dropsAt = dropsAt(day, retentionDays);
      for (const [field, n] of counts) kept.counts[field] = (kept.counts[field] ?? 0) + n;
    }
    this.prune();
    return Promise.resolve();
  }

  read(flowId: string, days: string[]): Promise<Record<string, DayCounts>> {
    this.prune();
    return Promise.resolve(Object.fromEntries(days.map((day) => [day, { ...(this.days.get(`${flowId} ${day}`)?.counts ?? {}) }])));
  }

  private prune(): void {
    const now = this.now();
    for (const [key, kept] of this.days) if (kept.dropsAt <= now) this.days.delete(key);
  }
}
