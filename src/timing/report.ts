import type { Budgets } from '../flows/schema';
import { heldPaths, median, showPrompt, showSeconds, tenths } from './budgets';
import { longestPrompt, type FlowTiming, type TimedPath, type TimedPrompt } from './measure';

/** The listening-time report of a flow, as Markdown: readable in a terminal and in docs/. */

const cell = (text: string) => text.replace(/\|/g, '\\|');
const figure = (estimate: number, audio: number | undefined) =>
  audio === undefined ? tenths(estimate).toFixed(1) : `${tenths(estimate).toFixed(1)} / ${tenths(audio).toFixed(1)}`;

function table(paths: readonly TimedPath[], audio: boolean): string {
  const unit = audio ? 's (estimate / audio)' : 's';
  const rows = [
    `| Outcome | Keys | Listening, ${unit} | Longest prompt, ${unit} | Whisper, ${unit} |`,
    '|---|---|--:|---|--:|',
    ...paths.map((p) => {
      const longest = longestPrompt(p);
      const whisper = p.whisper === undefined ? '' : figure(p.whisper.seconds, p.whisper.audioSeconds);
      return `| ${cell(p.outcome)} | ${p.keys === '' ? '(none)' : p.keys} | ${figure(p.seconds, p.audioSeconds)} | ${cell(showPrompt(longest))} ${figure(longest.seconds, longest.audioSeconds)} | ${whisper} |`;
    }),
  ];
  return rows.join('\n');
}

const range = (values: number[]) => `${tenths(Math.min(...values)).toFixed(1)}–${showSeconds(Math.max(...values))}`;

/** One sentence of figures: the outcome times, the longest prompt, the whispers. */
export function summaryLine(timing: FlowTiming): string {
  const held = heldPaths(timing);
  const prompts = timing.paths.flatMap((p) => p.heard);
  const longest = prompts.reduce<TimedPrompt | undefined>((a, b) => (a === undefined || b.seconds > a.seconds ? b : a), undefined);
  const whispers = timing.paths.flatMap((p) => (p.whisper === undefined ? [] : [p.whisper.seconds]));
  const parts = [
    held.length === 0
      ? 'no outcome reached hearing each prompt once'
      : `${held.length} outcomes reached hearing each prompt once take ${range(held.map((p) => p.seconds))} of listening, median ${showSeconds(median(held.map((p) => p.seconds)))}`,
    ...(longest === undefined ? [] : [`the longest prompt is ${showPrompt(longest)}, ${showSeconds(longest.seconds)}`]),
    ...(whispers.length === 0 ? [] : [`whispers take ${range(whispers)}`]),
  ];
  return `${parts.join('; ')}.`;
}

export function budgetsLine(budgets: Budgets | undefined): string {
  if (budgets === undefined) return 'No budgets: add a `budgets` block to the flow file to have `npm run flows:check` hold them.';
  const b = [
    budgets.outcomeSeconds === undefined ? undefined : `every outcome within ${budgets.outcomeSeconds} s`,
    budgets.medianOutcomeSeconds === undefined ? undefined : `the median within ${budgets.medianOutcomeSeconds} s`,
    budgets.promptSeconds === undefined ? undefined : `no prompt over ${budgets.promptSeconds} s`,
    budgets.whisperSeconds === undefined ? undefined : `whispers within ${budgets.whisperSeconds} s`,
  ].filter((s) => s !== undefined);
  return `Budgets (the flow's \`budgets\`): ${b.length === 0 ? 'none set' : b.join(', ')}.`;
}

/** The report of one flow: where it comes from, its figures, its budgets, and one row per path. */
export function flowReport(timing: FlowTiming, budgets: Budgets | undefined): string {
  const audio = timing.paths.some((p) => p.audioSeconds !== undefined);
  const held = timing.paths.filter((p) => p.answeredOnce);
  const others = timing.paths.filter((p) => !p.answeredOnce);
  return [
    `### ${timing.flowId}`,
    '',
    `From \`${timing.file}\` (version ${timing.version}), spoken at ${timing.wordsPerMinute} words a minute${audio ? ', and as espeak-ng says it' : ''}.`,
    '',
    summaryLine(timing),
    budgetsLine(budgets),
    '',
    'Each prompt heard once (held to the outcome budgets):',
    '',
    table(held, audio),
    ...(others.length === 0
      ? []
      : ['', 'With reprompts, waits, or the desk tried again (each prompt held to the prompt budget):', '', table(others, audio)]),
    ...(timing.spoken.length === 0 ? [] : ['', spokenLine(timing.spoken)]),
    '',
  ].join('\n');
}

/** The prompts only a caller answering by voice hears, in one sentence. */
function spokenLine(spoken: readonly TimedPrompt[]): string {
  const longest = spoken.reduce((a, b) => (b.seconds > a.seconds ? b : a));
  const audio = longest.audioSeconds === undefined ? '' : ` (${showSeconds(longest.audioSeconds)} as espeak-ng says it)`;
  return `Heard only when answering by voice (held to the prompt budget): ${spoken.length} confirmations and reprompts after an answer that named nothing; the longest is ${showPrompt(longest)}, ${showSeconds(longest.seconds)}${audio}.`;
}

export interface Difference {
  count: number;
  /** Mean of estimate minus audio, in seconds, and as a share of the audio. */
  meanSeconds: number;
  meanShare: number;
  /** The differences furthest from zero, in seconds and as a share (not always of the same one). */
  maxSeconds: number;
  maxShare: number;
}

function difference(pairs: readonly [number, number][]): Difference {
  const d = pairs.map(([estimate, audio]) => ({ seconds: estimate - audio, share: (estimate - audio) / audio }));
  const furthest = (of: (x: (typeof d)[number]) => number) => d.map(of).reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
  return {
    count: d.length,
    meanSeconds: d.reduce((s, x) => s + x.seconds, 0) / d.length,
    meanShare: d.reduce((s, x) => s + x.share, 0) / d.length,
    maxSeconds: furthest((x) => x.seconds),
    maxShare: furthest((x) => x.share),
  };
}

/** How far the estimate is from the audio: per path, per distinct prompt, per distinct whisper. */
export function estimateAgainstAudio(timing: FlowTiming): { paths: Difference; prompts: Difference; whispers?: Difference } {
  const pair = (p: { seconds: number; audioSeconds?: number }): [number, number][] =>
    p.audioSeconds === undefined ? [] : [[p.seconds, p.audioSeconds]];
  const paths = timing.paths.flatMap(pair);
  const prompts = [...new Set(timing.paths.flatMap((p) => p.heard))].flatMap(pair);
  const whispers = [...new Set(timing.paths.flatMap((p) => (p.whisper === undefined ? [] : [p.whisper])))].flatMap(pair);
  if (paths.length === 0 || prompts.length === 0) throw new Error('no audio figures to compare with');
  return { paths: difference(paths), prompts: difference(prompts), ...(whispers.length === 0 ? {} : { whispers: difference(whispers) }) };
}

export function showDifference(what: string, d: Difference): string {
  const signed = (s: number) => `${s >= 0 ? '+' : '−'}${Math.abs(tenths(s)).toFixed(1)} s`;
  const share = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(Math.round(x * 100))}%`;
  return `${what} (${d.count}): the estimate is off the audio by ${signed(d.meanSeconds)} (${share(d.meanShare)}) on average, by ${signed(d.maxSeconds)} and ${share(d.maxShare)} at most`;
}

/** The comparison, one line each for the paths, the prompts and the whispers. */
export function showComparison(timing: FlowTiming): string {
  const d = estimateAgainstAudio(timing);
  const lines = [showDifference('Paths', d.paths), showDifference('Prompts', d.prompts)];
  if (d.whispers) lines.push(showDifference('Whispers', d.whispers));
  return lines.map((l) => `${l}.\n`).join('');
}
