import { isPlaying, type Announcement } from './announcement';
import type { AnnouncementStore } from './announcement-store';

/**
 * How often each instance reads the announcement again, besides hearing its changes: a change whose message was
 * missed (a connection that broke and came back) still reaches every instance within this.
 */
export const ANNOUNCEMENT_REREAD_MS = 1000;

export interface BoardOptions {
  rereadMs?: number;
  now?: () => number;
  /** Told when the store does not answer a read (once until it does again). */
  onProblem?: (error: Error) => void;
}

/**
 * This instance's copy of the announcement: what every webhook asks (`playing`) costs no round trip. It is read
 * again from the store when a change is told (one read per change, not per call), and every `rereadMs` in case a
 * message was missed; its end is checked here, at each call, so it ends at its time on every instance whatever the
 * store does.
 */
export class AnnouncementBoard {
  private value: Announcement | null = null;
  /** Changes heard so far: a read that began before one must not put back what it replaced. */
  private changes = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopListening: (() => void) | undefined;
  private troubled = false;
  private readonly now: () => number;

  constructor(
    private readonly store: AnnouncementStore,
    private readonly options: BoardOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Starts listening and reading; resolves after the first read (or its failure, which the next read retries). */
  async start(): Promise<void> {
    this.stopListening ??= this.store.subscribe({
      // The message says a change was made; the store says what is on now. Messages published through different
      // nodes of a cluster may arrive out of order: the one read after the last of them is the latest state.
      changed: () => {
        this.changes++;
        void this.refresh();
      },
      resync: () => void this.refresh(),
    });
    this.timer ??= setInterval(() => void this.refresh(), this.options.rereadMs ?? ANNOUNCEMENT_REREAD_MS);
    this.timer.unref();
    await this.refresh();
  }

  /** Reads the store again; a change heard while the read was on its way wins over what it read. */
  async refresh(): Promise<void> {
    const before = this.changes;
    try {
      const read = await this.store.read();
      this.troubled = false;
      if (this.changes === before) this.value = read;
    } catch (error) {
      if (!this.troubled) this.options.onProblem?.(error as Error);
      this.troubled = true;
    }
  }

  /** The announcement callers hear now, or null. */
  playing(): Announcement | null {
    const value = this.value;
    return value !== null && isPlaying(value, this.now()) ? value : null;
  }

  /** The announcement on now or to come (not one that ended), for the desk's page. */
  current(): Announcement | null {
    const value = this.value;
    return value !== null && this.now() < value.endsAt ? value : null;
  }

  /** What a change on this instance did, known here at once (the store's message follows). */
  changedHere(announcement: Announcement | null): void {
    this.changes++;
    this.value = announcement;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopListening?.();
    this.stopListening = undefined;
  }
}
