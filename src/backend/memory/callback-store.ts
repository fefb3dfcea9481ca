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
/** How often, at most, kept callbacks are looked through for those past their retention. */
const SWEEP_MS = 60 * 1000;

/** A callback kept, with the attempts that hold it and those withdrawn (callback-store.ts). */
interface Item {
  /** Null for the mark a withdrawal leaves when its ask has not arrived. */
  callback: CallbackRecord | null;
  expiresAt: number;
  withdrawn: boolean;
  holds: Set<string>;
  gone: Set<string>;
  /** The number's key it was booked under (`byNumber`), when asked with limits. */
  numberKey?: string;
}

/**
 * Callbacks in this process's memory: a local run (`npm start` without Redis). Lost with the process.
 * What it keeps expires with what it indexes: a callback (and a withdrawal's mark) after its retention, looked for
 * at most once a SWEEP_MS as callbacks are asked; a number's entry once its callback is no longer open (closed,
 * withdrawn, expired), since it only serves to find an open one.
 */
export class MemoryCallbackStore implements CallbackStore {
  private readonly items = new Map<string, Item>();
  private readonly openIds = new Set<string>();
  /** The open callback last asked for each number (by its key), and the callbacks asked in the current hour. */
  private readonly byNumber = new Map<string, string>();
  private hour = { at: -1, count: 0 };
  private sweptAt: number;

  constructor(private readonly now: () => number = Date.now) {
    this.sweptAt = now();
  }

  /** How many callbacks (and marks) and numbers are kept: bounded by those within their retention. */
  get kept(): { items: number; numbers: number } {
    return { items: this.items.size, numbers: this.byNumber.size };
  }

  private item(id: string): Item | undefined {
    const item = this.items.get(id);
    if (item !== undefined && item.expiresAt <= this.now()) {
      this.drop(id, item);
      return undefined;
    }
    return item;
  }

  private drop(id: string, item: Item): void {
    this.items.delete(id);
    this.openIds.delete(id);
    this.notOpen(id, item);
  }

  /** The number's entry goes with its callback once that is not open. */
  private notOpen(id: string, item: Item | undefined): void {
    if (item?.numberKey !== undefined && this.byNumber.get(item.numberKey) === id) this.byNumber.delete(item.numberKey);
  }

  private sweep(): void {
    const now = this.now();
    if (now - this.sweptAt < SWEEP_MS) return;
    this.sweptAt = now;
    for (const [id, item] of this.items) if (item.expiresAt <= now) this.drop(id, item);
  }

  private live(id: string): CallbackRecord | null {
    const item = this.item(id);
    return item === undefined || item.withdrawn ? null : item.callback;
  }

  ask(callback: CallbackRecord, retentionSeconds: number, attempt = 'ask', limits?: AskLimits): Promise<AskResult> {
    this.sweep();
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
      ...(limits !== undefined && { numberKey: limits.numberKey }),
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
    this.notOpen(id, item);
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
    this.notOpen(id, this.items.get(id));
    return Promise.resolve('closed');
  }

  expire(before: number): Promise<number> {
    let expired = 0;
    for (const id of [...this.openIds]) {
      const item = this.items.get(id);
      const found = item?.callback ?? undefined;
      if (found === undefined || found.askedAt < before) {
        this.openIds.delete(id);
        this.notOpen(id, item);
        expired++;
      }
    }
    return Promise.resolve(expired);
  }
}
