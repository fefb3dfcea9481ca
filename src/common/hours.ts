import { DateTime } from 'luxon';
import { z } from 'zod';
import { zoneWords } from './zone-words';

/**
 * The Business Support Desk's office hours: weekly ranges in one IANA time zone, and whole days it is closed.
 * Luxon does the calendar arithmetic in the zone, so a range keeps its wall-clock times across daylight-saving
 * changes (08:00 is 08:00 on the Monday after the clocks go forward, one hour earlier in UTC).
 */

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** One open range on one weekday (1 = Monday, as luxon counts), in minutes from midnight. */
export interface OpenRange {
  weekday: number;
  open: number;
  close: number;
}

export interface DeskHours {
  zone: string;
  ranges: OpenRange[];
  /** YYYY-MM-DD dates, in the zone, when the desk is closed all day. */
  closedDates: ReadonlySet<string>;
}

const RANGE = /^([A-Za-z]{3})(?:-([A-Za-z]{3}))?\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;

/** `Mon-Thu 08:00-17:00,Fri 08:00-16:30` -> ranges; each entry that is not one is reported. */
export const bsdHours = z.string().transform((text, ctx): OpenRange[] => {
  const ranges: OpenRange[] = [];
  text.split(',').forEach((raw, i) => {
    const entry = raw.trim();
    const m = RANGE.exec(entry);
    const bad = (why: string) =>
      ctx.addIssue({ code: 'custom', message: `entry ${i + 1} ('${entry}') ${why}, such as Mon-Fri 08:00-17:00 or Sat 09:00-12:00` });
    if (m === null) return bad('must be a day or days and a time range');
    const first = DAYS.indexOf(m[1]!.toLowerCase() as (typeof DAYS)[number]);
    const last = m[2] === undefined ? first : DAYS.indexOf(m[2].toLowerCase() as (typeof DAYS)[number]);
    if (first < 0 || last < 0) return bad('must name days as Mon, Tue, Wed, Thu, Fri, Sat, Sun');
    if (last < first) return bad('must name its days in week order, Monday first');
    const [oh, om, ch, cm] = [m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number];
    if (oh > 23 || ch > 24 || om > 59 || cm > 59 || (ch === 24 && cm !== 0)) return bad('must use times from 00:00 to 24:00');
    const open = oh * 60 + om;
    const close = ch * 60 + cm;
    if (close <= open) return bad('must close after it opens');
    for (let d = first; d <= last; d++) ranges.push({ weekday: d + 1, open, close });
  });
  return ranges;
});

/** `2026-12-25,2026-12-28` -> the set of dates; each that is not a real date is reported. */
export const closedDates = z.string().transform((text, ctx): Set<string> => {
  const dates = new Set<string>();
  for (const raw of text.split(',')) {
    const date = raw.trim();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !DateTime.fromISO(date).isValid)
      ctx.addIssue({ code: 'custom', message: `'${date}' must be a date written YYYY-MM-DD, such as 2026-12-25` });
    else dates.add(date);
  }
  return dates;
});

/** Whether the desk is open at `at`. */
export function isOpen(hours: DeskHours, at: Date): boolean {
  const t = DateTime.fromJSDate(at, { zone: hours.zone });
  if (hours.closedDates.has(t.toISODate()!)) return false;
  const minute = t.hour * 60 + t.minute;
  return hours.ranges.some((r) => r.weekday === t.weekday && minute >= r.open && minute < r.close);
}

/** When the desk next opens after `at` (at itself when it is open), or null when it never does within a year. */
export function nextOpening(hours: DeskHours, at: Date): Date | null {
  if (isOpen(hours, at)) return at;
  const start = DateTime.fromJSDate(at, { zone: hours.zone });
  for (let d = 0; d <= 370; d++) {
    const day = start.plus({ days: d }).startOf('day');
    if (hours.closedDates.has(day.toISODate()!)) continue;
    const opens = hours.ranges
      .filter((r) => r.weekday === day.weekday)
      .map((r) => day.set({ hour: Math.floor(r.open / 60), minute: r.open % 60 }))
      .filter((t) => t > start)
      .sort((a, b) => a.toMillis() - b.toMillis());
    // A range that opens in the hour the clocks skip opens when the clocks reach it again (luxon moves it on).
    if (opens[0] !== undefined) return opens[0].toJSDate();
  }
  return null;
}

/** "8 a.m.", "4:30 p.m.", "12 p.m.". */
function clockWords(t: DateTime): string {
  const hour12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
  const minutes = t.minute === 0 ? '' : `:${String(t.minute).padStart(2, '0')}`;
  return `${hour12}${minutes} ${t.hour < 12 ? 'a.m.' : 'p.m.'}`;
}

/**
 * When the desk opens, in words for a caller at `now`, with the desk's time zone as callers say it: "later today at
 * 1 p.m. Eastern", "tomorrow at 8 a.m. Eastern", "Monday at 8 a.m. Eastern" (within the week), "on December 28 at
 * 8 a.m. Eastern" (later). A caller may be in another zone than the desk.
 */
export function openingWords(zone: string, now: Date, opening: Date): string {
  const n = DateTime.fromJSDate(now, { zone });
  const o = DateTime.fromJSDate(opening, { zone });
  const days = Math.round(o.startOf('day').diff(n.startOf('day'), 'days').days);
  const at = `at ${clockWords(o)} ${zoneWords(zone)}`;
  if (days <= 0) return `later today ${at}`;
  if (days === 1) return `tomorrow ${at}`;
  if (days < 7) return `${DAY_NAMES[o.weekday - 1]} ${at}`;
  return `on ${o.setLocale('en-US').toFormat('MMMM d')} ${at}`;
}

/** The hours in words for a text message: "Mon-Thu 08:00-17:00, Fri 08:00-16:30 (America/Toronto)". */
export function hoursWords(source: string, zone: string): string {
  return `${source
    .split(',')
    .map((s) => s.trim())
    .join(', ')} (${zone})`;
}

/** Undefined while the desk is open (or keeps no hours); outside its hours, when it opens next, in words. */
export function closedAt(hours: DeskHours | undefined, now: Date): { opens: string } | undefined {
  if (hours === undefined || isOpen(hours, now)) return undefined;
  const opening = nextOpening(hours, now);
  return { opens: opening === null ? 'on a later day' : openingWords(hours.zone, now, opening) };
}
