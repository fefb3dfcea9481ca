import { hourOf, type Cap, type TextCaps } from '../../requests/texts/text-caps';

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
