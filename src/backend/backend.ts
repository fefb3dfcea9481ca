import type { AnnouncementStore } from '../announcement/announcement-store';
import type { CallbackStore } from '../requests/callbacks/callback-store';
import type { TextStores } from '../requests/create-requests';
import type { DeskStore } from '../desk/desk-store';
import type { AddressBook } from '../desk/sign-in/known-addresses';
import type { MakeLimiter } from '../desk/sign-in/sign-in-limits';
import type { SessionStore } from '../store/session-store';
import type { InsightsStore } from '../insights/insights-store';

/**
 * Everything the line keeps, on one Redis (one server, Sentinel or Cluster) or in this process's memory: the one
 * object main.ts, `npm run call` and the tests build, and the only place that knows which it is. Each feature takes
 * the part it needs. Instances of the line given the same backend share everything in it, as instances on one Redis do.
 */
export interface Backend {
  /** Where it keeps things, for logs ("memory", or the Redis it names without passwords). */
  readonly name: string;
  /** The live calls. */
  readonly calls: SessionStore;
  /** The desk's announcement, which every instance speaks. */
  readonly announcements: AnnouncementStore;
  /** The flow's insights: counts per node and day (src/insights/). */
  readonly insights: InsightsStore;
  /** The callbacks callers asked for. */
  readonly callbacks: CallbackStore;
  /** The desk page's sign-ins, day and live updates; made on first use (a line without the desk page has none). */
  desk(): DeskStore;
  /** Text messages' queue and limits; made on first use (a line without a sender has none). */
  texts(): TextStores;
  /** A limiter of rate-limiter-flexible (the desk's sign-in limits). */
  limiter: MakeLimiter;
  /** The addresses agents signed in from. */
  readonly knownAddresses: AddressBook;
  /** Resolves when the backend answers and takes writes; otherwise rejects with the reason in plain words. */
  ping(): Promise<void>;
  /** Closes its connections (a text being sent finishes first). */
  close(): Promise<void>;
}
