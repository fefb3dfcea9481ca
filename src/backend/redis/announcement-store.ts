import type { Cluster, Redis } from 'ioredis';
import { parseAnnouncement, type Announcement } from '../../announcement/announcement';
import { subscribeTo } from './channel';
import type { AnnouncementListener, AnnouncementStore } from '../../announcement/announcement-store';

type Client = Redis | Cluster;

/** How long an announcement's key outlives its end: never kept long past it, never gone before it. */
const KEEP_AFTER_END_MS = 60_000;

/**
 * The announcement on the call store's Redis, under the same key prefix: one key, gone a minute after the
 * announcement ends, and one pub/sub channel that carries each change (the announcement itself, or nothing once it
 * is off) to every instance. Each instance listens on a connection of its own, made on the first `subscribe`.
 */
export class RedisAnnouncementStore implements AnnouncementStore {
  private subscriber: Client | undefined;
  private readonly listeners = new Set<AnnouncementListener>();

  constructor(
    private readonly redis: Client,
    private readonly prefix: string,
    private readonly onProblem: (error: Error) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {
    // Its connection goes when the call store's does.
    redis.once('end', () => this.subscriber?.disconnect());
  }

  private get key(): string {
    return `${this.prefix}:announcement`;
  }

  private get channel(): string {
    return `${this.prefix}:announcement:changes`;
  }

  async read(): Promise<Announcement | null> {
    const found = parseAnnouncement(await this.redis.get(this.key));
    return found !== null && found.endsAt > this.now() ? found : null;
  }

  async put(announcement: Announcement): Promise<void> {
    const json = JSON.stringify(announcement);
    const ttl = Math.max(1, announcement.endsAt - this.now() + KEEP_AFTER_END_MS);
    // Kept, then told: an instance that hears the message and reads finds it.
    await this.redis.set(this.key, json, 'PX', ttl);
    await this.redis.publish(this.channel, json);
  }

  async clear(): Promise<void> {
    await this.redis.del(this.key);
    await this.redis.publish(this.channel, '');
  }

  subscribe(listener: AnnouncementListener): () => void {
    this.listeners.add(listener);
    if (this.subscriber === undefined) this.listen();
    return () => this.listeners.delete(listener);
  }

  private listen(): void {
    this.subscriber = subscribeTo(
      this.redis,
      this.channel,
      {
        message: (message) => {
          const announcement = message === '' ? null : parseAnnouncement(message);
          // A message that is not an announcement (another version's, say): read the key instead.
          if (message !== '' && announcement === null) for (const l of this.listeners) l.resync();
          else for (const l of this.listeners) l.changed(announcement);
        },
        // Back after a break: a change published meanwhile never arrived.
        resync: () => {
          for (const l of this.listeners) l.resync();
        },
      },
      (error) => this.onProblem(error),
    );
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }
}
