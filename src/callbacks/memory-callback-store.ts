import type { AskLimits, AskResult, CallbackRecord, CallbackStore, ClaimResult, CloseOutcome, CloseResult } from './callback-store';

const HOUR_MS = 60 * 60 * 1000;

/** Callbacks in this process's memory: a local run (`npm start` without Redis). Lost with the process. */
export class MemoryCallbackStore implements CallbackStore {
  private readonly items = new Map<string, { callback: CallbackRecord; expiresAt: number }>();
  private readonly openIds = new Set<string>();
  /** The callback last asked for each number (by its key), and the callbacks asked in the current hour. */
  private readonly byNumber = new Map<string, string>();
  private hour = { at: -1, count: 0 };

  constructor(private readonly now: () => number = Date.now) {}

  private live(id: string): CallbackRecord | null {
    const item = this.items.get(id);
    if (item === undefined) return null;
    if (item.expiresAt <= this.now()) {
      this.items.delete(id);
      return null;
    }
    return item.callback;
  }

  ask(callback: CallbackRecord, retentionSeconds: number, limits?: AskLimits): Promise<AskResult> {
    if (this.live(callback.id) !== null) return Promise.resolve('already');
    const hour = Math.floor(callback.askedAt / HOUR_MS);
    if (limits !== undefined) {
      const other = this.byNumber.get(limits.numberKey);
      if (other !== undefined && this.openIds.has(other) && this.live(other) !== null) return Promise.resolve('open');
      if (this.hour.at !== hour) this.hour = { at: hour, count: 0 };
      if (this.hour.count >= limits.hourlyLimit) return Promise.resolve('limit');
    }
    this.items.set(callback.id, { callback: { ...callback }, expiresAt: this.now() + retentionSeconds * 1000 });
    this.openIds.add(callback.id);
    if (limits !== undefined) {
      this.byNumber.set(limits.numberKey, callback.id);
      this.hour.count++;
    }
    return Promise.resolve('kept');
  }

  open(): Promise<CallbackRecord[]> {
    const found = [...this.openIds].flatMap((id) => this.live(id) ?? []);
    return Promise.resolve(found.sort((a, b) => a.askedAt - b.askedAt).map((c) => ({ ...c })));
  }

  get(id: string): Promise<CallbackRecord | null> {
    const found = this.live(id);
    return Promise.resolve(found === null ? null : { ...found });
  }

  claim(id: string, agent: string): Promise<ClaimResult> {
    const found = this.live(id);
    if (found === null) return Promise.resolve('gone');
    if (found.status === 'open') {
      found.status = 'claimed';
      found.claimedBy = agent;
      return Promise.resolve('claimed');
    }
    return Promise.resolve(found.status === 'claimed' && found.claimedBy === agent ? 'claimed' : 'taken');
  }

  close(id: string, agent: string, outcome: CloseOutcome, at: number): Promise<CloseResult> {
    const found = this.live(id);
    if (found === null) return Promise.resolve('gone');
    if (found.status !== 'claimed' || found.claimedBy !== agent) return Promise.resolve('not-yours');
    found.status = outcome;
    found.closedAt = at;
    this.openIds.delete(id);
    for (const [key, other] of this.byNumber) if (other === id) this.byNumber.delete(key);
    return Promise.resolve('closed');
  }

  expire(before: number): Promise<number> {
    let expired = 0;
    for (const id of [...this.openIds]) {
      const found = this.items.get(id)?.callback;
      if (found === undefined || found.askedAt < before) {
        this.openIds.delete(id);
        expired++;
      }
    }
    return Promise.resolve(expired);
  }
}
