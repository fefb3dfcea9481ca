import type { Announcement } from './announcement';

/** Hears every change of the announcement, made on any instance sharing the store. */
export interface AnnouncementListener {
  /** The announcement now on (or to come), or null once it was turned off. */
  changed(announcement: Announcement | null): void;
  /** The connection to the other instances was lost and is back: a change may have been missed meanwhile. */
  resync(): void;
}

/**
 * The one announcement every instance of the line speaks, kept beside the calls: on the same Redis (with the same
 * key prefix), or in this process's memory.
 *
 * Contract (test/store/announcement-store.test.ts, for every implementation):
 * - `put` keeps an announcement (replacing any) until its `endsAt`, then `read` returns null; `clear` takes it off
 *   at once. Nothing is kept longer than a minute past its end.
 * - After `put` or `clear` has resolved, every listener `subscribe`d on any instance sharing the store hears the
 *   change (the announcement, or null), this one's included.
 */
export interface AnnouncementStore {
  read(): Promise<Announcement | null>;
  put(announcement: Announcement): Promise<void>;
  clear(): Promise<void>;
  /** Starts listening; the function it returns stops. */
  subscribe(listener: AnnouncementListener): () => void;
  close(): Promise<void>;
}
