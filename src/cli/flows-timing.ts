import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { DEFAULT_BSD_NUMBER } from '../common/config';
import { formatProblem, parseFlowText, readFlowDir, type FileProblem, type LoadedFlow } from '../flows/load';
import { audioSeconds, espeakInstalled } from '../timing/audio';
import { withAudio, spokenTexts, type FlowTiming } from '../timing/measure';
import { budgetsLine, flowReport, showComparison, summaryLine } from '../timing/report';
import { timeFlow } from '../timing/time-flow';
import { fail, parseOptions } from './args';
import { DEFAULT_SPEECH } from '../engine/understanding/speech';
import { announcementLine, timeAnnouncement } from '../announcement/announcement-check';

const USAGE = `Usage: npm run flows:timing [-- [options] [FILE or FOLDER ...]]

Walks every path of each flow (default: every flow file in FLOWS_DIR, else call-flows) from the greeting to
each outcome, driving the call engine as calls do, and reports per path the keys pressed, the seconds the caller
listens until the outcome, the longest prompt and the seconds of the agent's whisper. A caller presses a key once
the sentence naming it is said, else hears the prompt in full: words at the flow's budgets.wordsPerMinute (175 if it states none), each digit a word, and
the pauses in the TwiML. Exits 1 when a flow breaks one of its budgets (npm run flows:check holds them too).

  --audio        also time each prompt as espeak-ng says it (Debian package espeak-ng), and compare
  --wpm N        words a minute for the estimate instead of the flow's (the budgets are then not held)
  --write        write the tables to the page (--doc) and the summary to the README, between their markers
  --check        exit 1 when the page or the README is out of date with the flows; nothing is written
  --doc PATH     the page of tables (default docs/listening-times.md)
  --readme PATH  the README (default README.md)`;

const { values, positionals } = parseOptions(
  {
    audio: { type: 'boolean' },
    wpm: { type: 'string' },
    write: { type: 'boolean' },
    check: { type: 'boolean' },
    doc: { type: 'string' },
    readme: { type: 'string' },
  },
  USAGE,
);
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const wpm = values.wpm === undefined ? undefined : Number(values.wpm);
if (wpm !== undefined && !(wpm >= 60 && wpm <= 400))
  fail(`--wpm must be a number of words a minute from 60 to 400, not '${values.wpm}'`, 2);
if ((values.write || values.check) && (wpm !== undefined || values.audio))
  fail('--write and --check give the estimate at each flow’s own rate: leave out --wpm and --audio', 2);
if (values.audio && !espeakInstalled()) fail('--audio needs espeak-ng: apt-get install espeak-ng');

/** Every flow named, a folder standing for the flow files in it. */
function load(paths: string[]): { flows: LoadedFlow[]; problems: FileProblem[] } {
  const flows: LoadedFlow[] = [];
  const problems: FileProblem[] = [];
  for (const path of paths) {
    if (existsSync(path) && statSync(path).isDirectory()) {
      const read = readFlowDir(path);
      flows.push(...read.flows);
      problems.push(...read.problems);
    } else {
      let source: string;
      try {
        source = readFileSync(path, 'utf8');
      } catch (error) {
        problems.push({ file: path, field: '(file)', message: `cannot read it: ${(error as Error).message}` });
        continue;
      }
      const read = parseFlowText(path, source);
      if (read.flow) flows.push(read.flow);
      problems.push(...read.problems);
    }
  }
  return { flows, problems };
}

const START = '<!-- listening-times:start -->';
const END = '<!-- listening-times:end -->';
const SUMMARY_START = '<!-- listening-times-summary:start -->';
const SUMMARY_END = '<!-- listening-times-summary:end -->';

/** `text` with what is between `start` and `end` replaced by `inner`; undefined when it lacks the markers. */
function between(text: string, start: string, end: string, inner: string): string | undefined {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) return undefined;
  return `${text.slice(0, from + start.length)}\n${inner}${text.slice(to)}`;
}

type Result = ReturnType<typeof timeFlow> & { flow: LoadedFlow };

/** The paragraph on the desk's announcement, for a flow that has wordings for one. */
function withAnnouncement(r: Result): string {
  const times = timeAnnouncement(r.flow.flow, r.timing);
  return times === null ? '' : `\n${announcementLine(times)}\n`;
}

/** Writes (or, with --check, compares) the page of tables and the README's summary; returns what is out of date. */
function writePages(results: Result[], write: boolean): string[] {
  const made = '<!-- Made by npm run flows:timing -- --write from the flow files. Edit the flows, not this. -->\n';
  const tables = made + results.map((r) => `\n${flowReport(r.timing, r.flow.flow.budgets)}${withAnnouncement(r)}`).join('');
  const summary = results
    .map((r) => {
      const held = r.problems.length === 0 ? 'It keeps them.' : `It breaks them ${r.problems.length} time(s): see \`npm run flows:check\`.`;
      return `- \`${r.flow.flow.id}\`: ${summaryLine(r.timing)} ${budgetsLine(r.flow.flow.budgets)} ${held}\n`;
    })
    .join('');
  const stale: string[] = [];
  const missing: string[] = [];
  for (const [path, start, end, inner] of [
    [values.doc ?? 'docs/listening-times.md', START, END, tables],
    [values.readme ?? 'README.md', SUMMARY_START, SUMMARY_END, summary],
  ] as const) {
    const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const next = between(current, start, end, inner);
    if (next === undefined) missing.push(`${path}: ${start} ... ${end}`);
    else if (next !== current) {
      stale.push(path);
      if (write) writeFileSync(path, next);
    }
  }
  if (missing.length > 0) fail(`no place for the listening times; add these markers where they should go:\n  ${missing.join('\n  ')}`);
  return stale;
}

async function main(): Promise<void> {
  let loaded;
  try {
    loaded = load(positionals.length > 0 ? positionals : [process.env.FLOWS_DIR ?? 'call-flows']);
  } catch (error) {
    fail((error as Error).message);
  }
  if (loaded.problems.length > 0) fail(loaded.problems.map((p) => `FAIL ${formatProblem(p)}`).join('\n'));

  const results: Result[] = loaded.flows.map((flow) => ({
    flow,
    ...timeFlow(flow, { bsdNumber: DEFAULT_BSD_NUMBER, speech: DEFAULT_SPEECH, textMessages: true }, wpm),
  }));

  // The pages show the budgets a flow breaks; whether it may break them is for npm run flows:check to say.
  if (values.write || values.check) {
    const stale = writePages(results, values.write === true);
    if (values.check && stale.length > 0) fail(`out of date with the flows: ${stale.join(', ')}\nrun: npm run flows:timing -- --write`);
    if (values.check) process.stdout.write(`listening times of ${results.length} flow(s) are up to date\n`);
    else process.stdout.write(stale.length === 0 ? 'listening times already up to date\n' : `wrote ${stale.join(', ')}\n`);
    return;
  }

  for (const r of results) {
    let timing: FlowTiming = r.timing;
    if (values.audio) {
      const options = { wordsPerMinute: timing.wordsPerMinute, language: r.flow.flow.language };
      timing = withAudio(timing, await audioSeconds(spokenTexts(timing), options));
    }
    process.stdout.write(`${flowReport(timing, wpm === undefined ? r.flow.flow.budgets : undefined)}${withAnnouncement(r)}\n`);
    if (values.audio) process.stdout.write(`${showComparison(timing)}\n`);
  }
  if (wpm !== undefined) {
    process.stdout.write(`The budgets are held at each flow's own rate, not at ${wpm} words a minute.\n`);
    return;
  }
  const broken = results.flatMap(({ flow, problems }) => problems.map((p) => `FAIL ${formatProblem({ file: flow.file, ...p })}`));
  if (broken.length > 0) fail(broken.join('\n'));
  process.stdout.write(`the listening times of ${results.length} flow(s) keep their budgets\n`);
}

main().catch((error: unknown) => fail(`flows:timing failed: ${(error as Error).message}`));
