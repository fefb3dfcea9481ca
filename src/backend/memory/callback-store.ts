import type {
  AskLimits,
  AskResult,
  WithdrawResult,
  CallbackRecord,
  CallbackStore,
  ClaimResult,
  CloseOutcome,
  CloseResult,
} from '../../requests/callbacks/callback-store';

const HOUR_MS = 60 * 60 * 1000;

/** A callback kept, with the attempts that hold it and those withdrawn (callback-store.ts). */
interface Item {
  /** Null for the mark a withdrawal leaves when its ask has not arrived. */
  callback: CallbackRecord | null;
  expiresAt: number;
  withdrawn: boolean;
  holds: Set<string>;
  gone: Set<string>;
}

/** Callbacks in this process's memory: a local run (`npm start` without Redis). Lost with the process. */
export class MemoryCallbackStore implements CallbackStore {
  private readonly items = new Map<string, Item>();
  private readonly openIds = new Set<string>();
  /** The callback last asked for each number (by its key), and the callbacks asked in the current hour. */
  private readonly byNumber = new Map<string, string>();
  private hour = { at: -1, count: 0 };

  constructor(private readonly now: () => number = Date.now) {}

  private item(id: string): Item | undefined {
    const item = this.items.get(id);
    if (item !== undefined && item.expiresAt <= this.now()) {
      this.items.delete(id);
      return undefined;
    }
    return item;
  }

  private live(id: string): CallbackRecord | null {
    const item = this.item(id);
    return item === undefined || item.withdrawn ? null : item.callback;
  }

  ask(callback: CallbackRecord, retentionSeconds: number, attempt = 'ask', limits?: AskLimits): Promise<AskResult> {
    const item = this.item(callback.id);
    if (item?.gone.has(attempt) === true) return Promise.resolve('already');
    if (item !== undefined && !item.withdrawn) {
      item.holds.add(attempt);
      return Promise.resolve('already');
    }
    const hour = Math.floor(callback.askedAt / HOUR_MS);
    if (limits !== undefined) {
      const other = this.byNumber.get(limits.numberKey);
      if (other !== undefined && this.openIds.has(other) && this.live(other) !== null) return Promise.resolve('open');
      if (this.hour.at !== hour) this.hour = { at: hour, count: 0 };
      if (this.hour.count >= limits.hourlyLimit) return Promise.resolve('limit');
    }
    this.items.set(callback.id, {
      callback: { ...callback },
      expiresAt: this.now() + retentionSeconds * 1000,
      withdrawn: false,
      holds: new Set([attempt]),
      gone: item?.gone ?? new Set(),
    });
    this.openIds.add(callback.id);
    if (limits !== undefined) {
      this.byNumber.set(limits.numberKey, callback.id);
      this.hour.count++;
    }
    return Promise.resolve('kept');
  }

  withdraw(id: string, attempt: string, retentionSeconds: number): Promise<WithdrawResult> {
    const item = this.item(id);
    if (item === undefined) {
      // The ask has not arrived: a mark, so that it changes nothing when it does.
      this.items.set(id, {
        callback: null,
        expiresAt: this.now() + retentionSeconds * 1000,
        withdrawn: true,
        holds: new Set(),
        gone: new Set([attempt]),
      });
      return Promise.resolve('absent');
    }
    item.gone.add(attempt);
    item.holds.delete(attempt);
    if (item.withdrawn) return Promise.resolve('absent');
    if (item.callback?.status !== 'open' || item.holds.size > 0) return Promise.resolve('held');
    item.withdrawn = true;
    this.openIds.delete(id);
    return Promise.resolve('withdrawn');
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
      const found = this.items.get(id)?.callback ?? undefined;
      if (found === undefined || found.askedAt < before) {
        this.openIds.delete(id);
        expired++;
      }
    }
    return Promise.resolve(expired);
  }
}
