import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Backend } from '../backend';
import type { TextStores } from '../../requests/create-requests';
import type { AddressBook } from '../../desk/sign-in/known-addresses';
import type { DeskStore } from '../../desk/desk-store';
import { MemoryAnnouncementStore } from './announcement-store';
import { MemoryCallbackStore } from './callback-store';
import { MemoryDeskStore } from './desk-store';
import { MemoryMessageCalls } from './message-calls';
import { MemoryMessageLimits, MemoryMessageQueue } from './message-queue';
import { MemoryStore } from './session-store';
import { MemoryTextCaps } from './text-caps';
import { MemoryInsightsStore } from './insights-store';
import { BACKOFF_MS } from '../../requests/texts/message-queue';

/** The known addresses in this process's memory: digest -> until. */
class MemoryAddressBook implements AddressBook {
  private readonly known = new Map<string, string>();

  put(digest: string, until: number): Promise<void> {
    this.known.set(digest, String(until));
    return Promise.resolve();
  }

  all(): Promise<Record<string, string>> {
    return Promise.resolve(Object.fromEntries(this.known));
  }

  drop(digests: string[]): Promise<void> {
    for (const digest of digests) this.known.delete(digest);
    return Promise.resolve();
  }
}

/** Everything in this process's memory: a local run, `npm run call`, tests. Nothing outlives the process. */
export function memoryBackend(options: { now?: () => number } = {}): Backend {
  const now = options.now ?? Date.now;
  const calls = new MemoryStore(now);
  let desk: DeskStore | undefined;
  let texts: TextStores | undefined;
  const announcements = new MemoryAnnouncementStore(now);
  return {
    name: 'memory',
    calls,
    announcements,
    insights: new MemoryInsightsStore(now),
    callbacks: new MemoryCallbackStore(now),
    desk: () => (desk ??= new MemoryDeskStore(now)),
    texts: () =>
      (texts ??= {
        queue: new MemoryMessageQueue(BACKOFF_MS, now),
        limits: new MemoryMessageLimits(now),
        caps: new MemoryTextCaps(),
        calls: new MemoryMessageCalls(now),
      }),
    limiter: ({ name, points, duration }) => new RateLimiterMemory({ keyPrefix: name, points, duration }),
    knownAddresses: new MemoryAddressBook(),
    ping: () => calls.ping(),
    close: async () => {
      await desk?.close();
      await announcements.close();
      await calls.close();
    },
  };
}
