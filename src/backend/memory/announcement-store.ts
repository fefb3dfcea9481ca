import { EventEmitter } from 'node:events';
import type { Announcement } from '../../announcement/announcement';
import type { AnnouncementListener, AnnouncementStore } from '../../announcement/announcement-store';

/** The announcement in this process's memory: every line built on the same memory backend shares it. */
export class MemoryAnnouncementStore implements AnnouncementStore {
  private value: Announcement | null = null;
  private readonly bus = new EventEmitter();

  constructor(private readonly now: () => number = Date.now) {}

  async read(): Promise<Announcement | null> {
    if (this.value !== null && this.value.endsAt <= this.now()) this.value = null;
    return this.value;
  }

  async put(announcement: Announcement): Promise<void> {
    this.value = announcement;
    this.tell(announcement);
  }

  async clear(): Promise<void> {
    this.value = null;
    this.tell(null);
  }

  private tell(announcement: Announcement | null): void {
    // As Redis does: listeners hear it after the publisher has gone on.
    setImmediate(() => this.bus.emit('changed', announcement));
  }

  subscribe(listener: AnnouncementListener): () => void {
    const onChange = (announcement: Announcement | null) => listener.changed(announcement);
    this.bus.on('changed', onChange);
    return () => this.bus.off('changed', onChange);
  }

  async close(): Promise<void> {
    this.bus.removeAllListeners();
  }
}
