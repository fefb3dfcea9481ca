import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Announcements } from '../flows/schema';
import { fill } from '../flows/text';
import { speechSeconds } from '../timing/speech';

/** Where a caller goes once the announcement is said: the main menu, or straight to the desk (as if 0 was pressed). */
export const THEN = ['menu', 'desk'] as const;
export type Then = (typeof THEN)[number];

/** The longest text the desk may type, whatever its listening time: a bound on what is stored and spoken. */
export const MAX_ANNOUNCEMENT_CHARS = 400;

/** For a flow without `announcements`: the desk writes its own words, held to 15 seconds. */
export const NO_WORDINGS: Announcements = { maxSeconds: 15, until: 'by {time}', noEnd: 'as soon as we can', wordings: {} };

/** An announcement as it is kept and shared by every instance: what callers hear, when, and who turned it on. */
export const announcement = z.object({
  /** Its own id: a change to another announcement is told from a repeat of the same one. */
  id: z.string().min(1).max(64),
  text: z.string().min(1).max(MAX_ANNOUNCEMENT_CHARS),
  /** Epoch ms: from when callers hear it. */
  startsAt: z.number().int(),
  /** Epoch ms: when it ends by itself (the end the desk gave, or ANNOUNCEMENT_MAX_HOURS after its start). */
  endsAt: z.number().int(),
  /** False when the desk gave no end ("until turned off"): `endsAt` is then the longest an announcement lasts. */
  endGiven: z.boolean(),
  then: z.enum(THEN),
  /** The agent who turned it on, and when (epoch ms). */
  by: z.string().min(1).max(330),
  at: z.number().int(),
  /** The flow's wording it was made from, null for words the desk wrote. */
  wording: z.string().max(64).nullable(),
});
export type Announcement = z.infer<typeof announcement>;

/** A stored announcement read back; null for anything that is not one. */
export function parseAnnouncement(json: string | null | undefined): Announcement | null {
  if (json === null || json === undefined || json === '') return null;
  try {
    const parsed = announcement.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Whether callers hear it at `now`: started and not ended. */
export function isPlaying(a: Announcement, now: number): boolean {
  return a.startsAt <= now && now < a.endsAt;
}

/** "9 a.m.", "11:30 a.m.", "12 p.m." at `at` in `zone`: how a wording says a time. */
export function spokenTime(at: Date, zone: string): string {
  const t = DateTime.fromJSDate(at, { zone });
  const hour12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
  const minutes = t.minute === 0 ? '' : `:${String(t.minute).padStart(2, '0')}`;
  return `${hour12}${minutes} ${t.hour < 12 ? 'a.m.' : 'p.m.'}`;
}

/** A flow's wording with its times: {since} when the problem began, {until} its expected end (or `noEnd`). */
export function fillWording(flow: Announcements, say: string, times: { since: Date; until: Date | null; zone: string }): string {
  const until = times.until === null ? flow.noEnd : fill(flow.until, { time: spokenTime(times.until, times.zone) });
  return fill(say, { since: spokenTime(times.since, times.zone), until });
}

const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
/** The digits a text may have: a time ("9 a.m.", "9:30", "14:00", "9 h 30") or a date ("December 5", "5 December 2026"). */
const TIMES_AND_DATES = [
  /\b\d{1,2}(?::\d{2})?\s?[ap]\.?\s?m\b\.?/gi,
  /\b\d{1,2}:\d{2}\b/g,
  // As French writes a time: "9 h", "9 h 30", "9h30".
  /\b\d{1,2}\s?h(?:\s?\d{2})?\b/g,
  new RegExp(`\\b${MONTH}\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?(?:,?\\s+\\d{4})?\\b`, 'gi'),
  new RegExp(`\\b\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH}\\b\\.?(?:,?\\s+\\d{4})?`, 'gi'),
];
/** Letters of any language, digits, spaces and the punctuation of sentences. */
const PLAIN = /^[\p{L}\p{M}\d .,;:'’?!()"-]$/u;
const ADDRESS = /(?:https?:|www\.|@|\b[\p{L}\d-]+\.(?:com|ca|org|net|gov|edu|io|info|health|ly)\b)/iu;

/**
 * Why a text cannot be spoken as an announcement, in words for the agent; undefined when it can. Plain words only:
 * no markup, no web or e-mail address, no digits beyond a time or a date (a number read to every caller is a
 * phone number or an account in the wrong place).
 */
export function wordsProblem(text: string): string | undefined {
  if (text.trim() === '') return 'Write the words callers will hear.';
  if (text.length > MAX_ANNOUNCEMENT_CHARS) return `At most ${MAX_ANNOUNCEMENT_CHARS} characters; this has ${text.length}.`;
  if (/[<>&{}[\]\\]/.test(text)) return 'Plain words only: no markup or placeholders (< > & { } [ ]).';
  if (ADDRESS.test(text)) return 'No web or e-mail addresses: callers cannot click them.';
  for (const c of text.replace(/\s/g, ' ')) if (!PLAIN.test(c)) return `Plain words only: "${c}" cannot be spoken as written.`;
  let rest = text;
  for (const pattern of TIMES_AND_DATES) rest = rest.replace(pattern, ' ');
  if (/\d/.test(rest)) return 'Digits only in a time (9 a.m., 14:30) or a date (December 5): write other numbers as words.';
  return undefined;
}

/** Seconds a caller listens to `text` at the flow's pace, as `npm run flows:timing` counts them. */
export function listeningSeconds(text: string, wordsPerMinute: number): number {
  return Math.round(speechSeconds(text, wordsPerMinute) * 10) / 10;
}

/** Why `text` is too long to say, or undefined: within the flow's `maxSeconds`. */
export function lengthProblem(text: string, flow: Announcements, wordsPerMinute: number): string | undefined {
  const seconds = listeningSeconds(text, wordsPerMinute);
  if (seconds <= flow.maxSeconds) return undefined;
  return `Too long: about ${seconds.toFixed(1)} seconds of listening, over ${flow.maxSeconds}. Shorten it.`;
}

/** The text folded as a flow text is (one space between words), so that what is checked is what is said. */
export function tidyWords(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

/** An announcement on from now for an hour, as `npm run call -- --announcement` and its transcripts put it on. */
export function localAnnouncement(text: string, then: Then = 'menu', now = Date.now()): Announcement {
  return {
    id: 'local',
    text,
    startsAt: now,
    endsAt: now + 60 * 60 * 1000,
    endGiven: false,
    then,
    by: 'npm run call',
    at: now,
    wording: null,
  };
}
