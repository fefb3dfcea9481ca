import { DateTime } from 'luxon';
import { z } from 'zod';
import { fillWording, lengthProblem, listeningSeconds, THEN, tidyWords, wordsProblem, type Then } from '../../announcement/announcement';
import type { Announcements } from '../../flows/schema';

const clock = z
  .string()
  .trim()
  .regex(/^(?:|([01]\d|2[0-3]):[0-5]\d)$/, 'must be a time such as 09:30, or empty');

/** The announcement form as posted (preview, or confirmed): every field checked here, at the boundary. */
export const announcementForm = z.object({
  /** One of the flow's wordings, or "own" for words the agent writes. */
  wording: z.string().trim().min(1, 'choose a wording').max(64),
  // Bounded here; the words check says what is wrong with a text past MAX_ANNOUNCEMENT_CHARS.
  text: z.string().max(4000, 'must be at most 4000 characters').default(''),
  /** When the problem began (what {since} says); empty: when the announcement starts. */
  since: clock.default(''),
  /** When callers start hearing it, today; empty: now. */
  starts: clock.default(''),
  /** Its expected end; empty: until turned off (at most ANNOUNCEMENT_MAX_HOURS). Before the start: the next day. */
  ends: clock.default(''),
  then: z.enum(THEN, { error: 'must be menu or desk' }).default('menu'),
});
export type AnnouncementForm = z.infer<typeof announcementForm>;

/** What an agent is about to turn on: the words callers hear, how long they listen, and when. */
export interface Draft {
  text: string;
  seconds: number;
  startsAt: number;
  endsAt: number;
  endGiven: boolean;
  then: Then;
  wording: string | null;
}

export interface DraftContext {
  flow: Announcements;
  wordsPerMinute: number;
  timeZone: string;
  maxHours: number;
  now: number;
}

/** A time of `day` in the zone ("09:30"): epoch ms. */
function at(day: DateTime, time: string): DateTime {
  const [hour, minute] = time.split(':').map(Number);
  return day.set({ hour: hour!, minute: minute!, second: 0, millisecond: 0 });
}

/** The words and times a form stands for, or why it cannot be turned on, in words for the agent. */
export function draftOf(form: AnnouncementForm, ctx: DraftContext): { ok: true; draft: Draft } | { ok: false; problem: string } {
  const now = DateTime.fromMillis(ctx.now, { zone: ctx.timeZone });
  let starts = form.starts === '' ? now : at(now, form.starts);
  // A start half a day behind is the next day's ("00:30" typed at 23:00); one a minute behind is now; any other start
  // that has passed is refused, rather than guessed.
  if (starts < now.minus({ hours: 12 })) starts = starts.plus({ days: 1 });
  else if (starts < now.minus({ minutes: 1 }))
    return { ok: false, problem: 'The start time has passed: leave it empty to start now, or give a later time.' };
  else if (starts < now) starts = now;
  let ends = form.ends === '' ? null : at(now, form.ends);
  // An end at or before the start is the next day's ("22:00 to 02:00").
  if (ends !== null && ends <= starts) ends = ends.plus({ days: 1 });
  if (ends !== null && ends.toMillis() <= ctx.now) return { ok: false, problem: 'The end time has passed: give a later one, or none.' };
  const longest = starts.plus({ hours: ctx.maxHours });
  if (ends !== null && ends > longest)
    return { ok: false, problem: `An announcement lasts at most ${ctx.maxHours} hours: give an earlier end.` };
  let since = form.since === '' ? starts : at(now, form.since);
  // A problem that began "at 22:00" seen at 01:00 began the day before.
  if (since > starts) since = since.minus({ days: 1 });
  let text: string;
  let wording: string | null = null;
  if (form.wording === 'own') {
    text = tidyWords(form.text);
  } else {
    const chosen = Object.hasOwn(ctx.flow.wordings, form.wording) ? ctx.flow.wordings[form.wording] : undefined;
    if (chosen === undefined) return { ok: false, problem: `There is no saved wording "${form.wording}".` };
    wording = form.wording;
    text = fillWording(ctx.flow, chosen.say, {
      since: since.toJSDate(),
      until: ends === null ? null : ends.toJSDate(),
      zone: ctx.timeZone,
    });
  }
  const problem = wordsProblem(text) ?? lengthProblem(text, ctx.flow, ctx.wordsPerMinute);
  if (problem !== undefined) return { ok: false, problem };
  return {
    ok: true,
    draft: {
      text,
      seconds: listeningSeconds(text, ctx.wordsPerMinute),
      startsAt: starts.toMillis(),
      endsAt: (ends ?? longest).toMillis(),
      endGiven: ends !== null,
      then: form.then,
      wording,
    },
  };
}
