import type { FlowFile } from '../flows/schema';
import { heldPaths, median, showSeconds, tenths } from '../timing/budgets';
import type { FlowTiming } from '../timing/measure';
import { speechSeconds } from '../timing/speech';
import { fillWording, wordsProblem } from './announcement';

/** A problem of the flow's `announcements`, located by its field. */
export interface AnnouncementProblem {
  field: string;
  message: string;
}

/** The longest times a wording may say ("12:45 p.m." is four digits and a word), for its longest form. */
const LONGEST = { since: new Date('2026-12-07T12:45:00Z'), until: new Date('2026-12-07T12:45:00Z'), zone: 'UTC' };

/** What a caller listens to with an announcement on: the first prompt, and the outcomes either way it goes on. */
export interface AnnouncementTiming {
  maxSeconds: number;
  /** The greeting, then an announcement as long as it may be: the first prompt of every call. */
  firstPromptSeconds: number;
  /** Each saved wording at its longest (with an end, or without: the longer), by id. */
  wordings: Record<string, number>;
  /** Going on to the menu: each outcome of the flow, plus the announcement heard to its end. */
  menu: { min: number; median: number; max: number } | null;
  /** Going straight to the desk: the greeting, the announcement and the transfer's words. */
  desk: number | null;
}

function greetingOf(flow: FlowFile): string {
  return flow.speech?.enabled === true ? flow.speech.greeting : flow.greeting;
}

/** The listening times of a flow with an announcement on, from its timing without one. */
export function timeAnnouncement(flow: FlowFile, timing: FlowTiming): AnnouncementTiming | null {
  const block = flow.announcements;
  if (block === undefined) return null;
  const say = (text: string) => speechSeconds(text, timing.wordsPerMinute);
  const wordings: Record<string, number> = {};
  for (const [id, w] of Object.entries(block.wordings))
    wordings[id] = Math.max(say(fillWording(block, w.say, LONGEST)), say(fillWording(block, w.say, { ...LONGEST, until: null })));
  const first = say(greetingOf(flow)) + block.maxSeconds;
  const held = heldPaths(timing).map((p) => p.seconds + block.maxSeconds);
  const toDesk = timing.paths.find((p) => p.keys.startsWith('0'));
  return {
    maxSeconds: block.maxSeconds,
    firstPromptSeconds: first,
    wordings,
    menu: held.length === 0 ? null : { min: Math.min(...held), median: median(held), max: Math.max(...held) },
    desk: toDesk?.listened[1] === undefined ? null : first + toDesk.listened[1].seconds,
  };
}

/**
 * What `npm run flows:check` holds the announcement to: each saved wording plain words (as the desk's own are),
 * said within `maxSeconds` at its longest; the first prompt (the greeting, then the longest announcement) within
 * the prompt budget; and a caller sent straight to the desk there within the outcome budget.
 */
export function announcementProblems(flow: FlowFile, timing: FlowTiming): AnnouncementProblem[] {
  const block = flow.announcements;
  const times = timeAnnouncement(flow, timing);
  if (block === undefined || times === null) return [];
  const problems: AnnouncementProblem[] = [];
  for (const [id, w] of Object.entries(block.wordings)) {
    const field = `announcements.wordings.${id}.say`;
    const unknown = [...w.say.matchAll(/\{([a-zA-Z]+)\}/g)].map((m) => m[1]!).filter((name) => name !== 'since' && name !== 'until');
    if (unknown.length > 0) {
      problems.push({ field, message: `unknown placeholder {${unknown[0]}} (a wording can use {since} and {until})` });
      continue;
    }
    const words = wordsProblem(fillWording(block, w.say, LONGEST));
    if (words !== undefined) problems.push({ field, message: words });
    if (tenths(times.wordings[id]!) > block.maxSeconds)
      problems.push({
        field,
        message: `said with its longest times it takes ${showSeconds(times.wordings[id]!)}, over announcements.maxSeconds (${block.maxSeconds} s)`,
      });
  }
  if (!/\{time\}/.test(block.until)) problems.push({ field: 'announcements.until', message: 'must say {time}, the expected end' });
  for (const field of ['until', 'noEnd'] as const) {
    const words = wordsProblem(block[field].replace('{time}', '12:45 p.m.'));
    if (words !== undefined) problems.push({ field: `announcements.${field}`, message: words });
  }
  const budgets = flow.budgets;
  if (budgets?.promptSeconds !== undefined && tenths(times.firstPromptSeconds) > budgets.promptSeconds)
    problems.push({
      field: 'announcements.maxSeconds',
      message: `the greeting and an announcement of ${block.maxSeconds} s take ${showSeconds(times.firstPromptSeconds)}, over budgets.promptSeconds (${budgets.promptSeconds} s)`,
    });
  if (budgets?.outcomeSeconds !== undefined && times.desk !== null && tenths(times.desk) > budgets.outcomeSeconds)
    problems.push({
      field: 'announcements.maxSeconds',
      message: `a caller sent straight to the desk listens ${showSeconds(times.desk)}, over budgets.outcomeSeconds (${budgets.outcomeSeconds} s)`,
    });
  return problems;
}

/** One sentence for the listening-time report. */
export function announcementLine(times: AnnouncementTiming): string {
  const parts = [
    `With an announcement on (at most ${times.maxSeconds} s), the first prompt, the greeting then the announcement, takes up to ${showSeconds(times.firstPromptSeconds)}`,
    ...(times.desk === null ? [] : [`a caller sent straight to the desk listens up to ${showSeconds(times.desk)} before the desk rings`]),
    ...(times.menu === null
      ? []
      : [
          `callers who go on to the menu and hear it to its end take ${tenths(times.menu.min).toFixed(1)}–${showSeconds(times.menu.max)} to an outcome, median ${showSeconds(times.menu.median)} (a key skips it)`,
        ]),
  ];
  return `${parts.join('; ')}.`;
}
