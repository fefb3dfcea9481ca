import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Announcement } from '../../announcement/announcement';
import type { AnnouncementBoard } from '../../announcement/announcement-board';
import type { AnnouncementStore } from '../../announcement/announcement-store';
import type { Logger } from '../../common/log';
import type { DayLog } from '../desk-store';
import { dayOf } from '../time';
import type { Draft } from './announcement-form';

/** What the day's log keeps of a change: who turned an announcement on or off, when, and (on) what it says. */
export const announcementEntry = z.object({
  type: z.literal('announcement'),
  action: z.enum(['on', 'off']),
  by: z.string(),
  at: z.string(),
  text: z.string().optional(),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  endGiven: z.boolean().optional(),
  then: z.enum(['menu', 'desk']).optional(),
});
export type AnnouncementEntry = z.infer<typeof announcementEntry>;

/** Kept with the day's transfers, as long as they are. */
const DAY_RETENTION = { keep: 2000, ttlSeconds: 2 * 24 * 60 * 60 };

export interface AnnouncementDeskDeps {
  store: AnnouncementStore;
  board: AnnouncementBoard;
  log: DayLog;
  logger: Logger;
  timeZone: string;
  now?: () => number;
}

/**
 * The desk's side of the announcement: an agent turns it on (every instance speaks it within a second) or off, and
 * each change is kept in the day's log under the agent's name, shown on the page.
 */
export class AnnouncementDesk {
  private readonly now: () => number;

  constructor(private readonly deps: AnnouncementDeskDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The announcement on now or to come, as this instance knows it. */
  current(): Announcement | null {
    return this.deps.board.current();
  }

  async turnOn(draft: Draft, user: string): Promise<Announcement> {
    const at = this.now();
    const announcement: Announcement = { id: randomUUID(), ...draft, by: user, at };
    await this.deps.store.put(announcement);
    this.deps.board.changedHere(announcement);
    this.deps.logger.info(
      { desk: 'announcement-on', user, then: draft.then, seconds: draft.seconds, endsAt: new Date(draft.endsAt).toISOString() },
      'desk: announcement turned on',
    );
    await this.record(at, {
      type: 'announcement',
      action: 'on',
      by: user,
      at: new Date(at).toISOString(),
      text: draft.text,
      startsAt: new Date(draft.startsAt).toISOString(),
      endsAt: new Date(draft.endsAt).toISOString(),
      endGiven: draft.endGiven,
      then: draft.then,
    });
    return announcement;
  }

  /**
   * Turns off the announcement `id` (the one the agent saw); 'changed' when another is on (or to come) in its place,
   * which stays; false when none was on.
   */
  async turnOff(user: string, id: string): Promise<boolean | 'changed'> {
    const was = await this.deps.store.read();
    if (was !== null && was.id !== id) return 'changed';
    await this.deps.store.clear();
    this.deps.board.changedHere(null);
    if (was === null) return false;
    const at = this.now();
    this.deps.logger.info({ desk: 'announcement-off', user }, 'desk: announcement turned off');
    await this.record(at, { type: 'announcement', action: 'off', by: user, at: new Date(at).toISOString() });
    return true;
  }

  private async record(at: number, entry: AnnouncementEntry): Promise<void> {
    const day = dayOf(new Date(at), this.deps.timeZone);
    // Kept with the day, and told to every open page. The change itself is made: a record that fails is logged
    // (with who and what), not made the agent's problem, who would otherwise try a change that worked again.
    const event = JSON.stringify(entry);
    try {
      await this.deps.log.record(day, { id: `announcement:${entry.action}:${entry.at}`, event, publish: event }, DAY_RETENTION);
    } catch (error) {
      this.deps.logger.warn(
        { desk: `announcement-${entry.action}`, user: entry.by, error: (error as Error).message },
        "desk: the announcement change is made but not in the day's list",
      );
    }
  }

  /** The day's changes, most recent first. */
  async changes(day: string): Promise<AnnouncementEntry[]> {
    const events = await this.deps.log.events(day);
    const entries: AnnouncementEntry[] = [];
    for (const event of events) {
      if (!event.includes('"announcement"')) continue;
      try {
        const parsed = announcementEntry.safeParse(JSON.parse(event));
        if (parsed.success) entries.push(parsed.data);
      } catch {
        // not JSON: not an entry
      }
    }
    return entries;
  }
}
