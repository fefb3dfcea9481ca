import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  evaluate,
  readEvaluationSet,
  understoodShare,
  type EvaluationSet,
  type Figures,
  type Part,
} from '../../src/engine/understanding/evaluation';
import { DEFAULT_SPEECH, learn, UNDERSTANDING, type Thresholds, type Train } from '../../src/engine/understanding/speech';
import { readFlowDir } from '../../src/flows/load';
import { decisionPoints } from '../../src/flows/words';
import { naturalBayes, naturalLogistic, nlpjs, remembering, winkNearest, wordMatcher } from './candidates';

/**
 * Readers of spoken answers compared on the line's own evaluation set (call-flows/answers/portal-login.yaml): each
 * one's thresholds tuned on the tuning part, then measured on the held-out part, with its training and reading times.
 * Writes bench/results/understanding.json and understanding.md; prints figures only, never an answer.
 *
 *   npm run bench:understanding [-- --reads N] [-- --all]  (--all: natural's logistic regression too, which is slow)
 */

const FLOW_DIR = 'call-flows';
const FLOW_ID = 'portal-login';
const RESULTS = join('bench', 'results');
const reads = Number(process.argv[process.argv.indexOf('--reads') + 1] ?? NaN) || 3000;

const { flows, problems } = readFlowDir(FLOW_DIR);
const flow = flows.find((f) => f.flow.id === FLOW_ID)?.flow;
if (flow === undefined || problems.length > 0) throw new Error(`${FLOW_DIR}: flow '${FLOW_ID}' missing or with problems`);

/** Spoken numbers ("callback-number", "callback-keyed": meaning `number`) are read elsewhere, not by these readers. */
function withoutNumbers(set: EvaluationSet): EvaluationSet {
  const out: Record<string, unknown> = { options: set.options };
  for (const [id, value] of Object.entries(set)) {
    if (id === 'options') continue;
    const point = value as { tuning: Record<string, unknown>; heldOut: Record<string, unknown> };
    const keep = (part: Record<string, unknown>) => Object.fromEntries(Object.entries(part).filter(([meaning]) => meaning !== 'number'));
    out[id] = { tuning: keep(point.tuning), heldOut: keep(point.heldOut) };
  }
  return out as EvaluationSet;
}
const set = withoutNumbers(readEvaluationSet(join(FLOW_DIR, 'answers', `${FLOW_ID}.yaml`)));

/** The matcher is given each choice's words alone: those of the choice whose words and examples the phrases are. */
const wordsByPhrases = new Map<string, readonly string[]>();
for (const point of decisionPoints(flow))
  for (const c of point.choices) wordsByPhrases.set(JSON.stringify([c.key, ...c.words, ...c.examples]), c.words);
const wordsOf = (key: string, phrases: readonly string[]): readonly string[] => {
  const words = wordsByPhrases.get(JSON.stringify([key, ...phrases]));
  if (words === undefined) throw new Error(`no choice '${key}' with these phrases`);
  return words;
};

const candidates: { name: string; train: Train }[] = [
  { name: 'word matcher (before)', train: wordMatcher(wordsOf) },
  { name: 'NLP.js neural network (the line’s)', train: nlpjs },
  { name: 'natural BayesClassifier', train: naturalBayes },
  // Its training took 37 s for the flow with its first examples, and over 10 minutes with today's: only with --all.
  ...(process.argv.includes('--all') ? [{ name: 'natural LogisticRegressionClassifier', train: naturalLogistic }] : []),
  { name: 'wink-nlp bag of lemmas, nearest phrase', train: winkNearest },
];

const GRID = {
  act: [0.5, 0.6, 0.7, 0.8, 0.9, 0.95],
  lead: [0, 0.2, 0.35, 0.5, 0.65, 0.8],
  confirm: [0.25, 0.35, 0.45, 0.55],
  like: [0, 0.2, 0.34, 0.5, 0.6, 0.7],
  likeToConfirm: [0, 0.1, 0.2, 0.34, 0.5],
};
const strictness = (t: Thresholds) => t.act + t.lead + t.confirm + t.like + t.likeToConfirm;

function figures(part: Part, thresholds: Thresholds): Figures {
  return evaluate(flow!, set, part, { ...DEFAULT_SPEECH, understanding: thresholds }).total;
}

/**
 * The thresholds that understand most of the tuning part with no wrong branch and every irrelevant answer asked
 * again; failing that, the fewest such faults. Ties go to the stricter thresholds.
 */
function tune(): { thresholds: Thresholds; tuning: Figures } {
  let best: { thresholds: Thresholds; tuning: Figures; faults: number; understood: number } | undefined;
  for (const act of GRID.act)
    for (const lead of GRID.lead)
      for (const confirm of GRID.confirm)
        for (const like of GRID.like)
          for (const likeToConfirm of GRID.likeToConfirm) {
            const thresholds = { act, lead, confirm, like, likeToConfirm };
            const tuning = figures('tuning', thresholds);
            const faults = tuning.wrong + tuning.irrelevant - tuning.irrelevantAskedAgain;
            const understood = tuning.understood + tuning.confirmed;
            const better =
              best === undefined ||
              faults < best.faults ||
              (faults === best.faults &&
                (understood > best.understood || (understood === best.understood && strictness(thresholds) > strictness(best.thresholds))));
            if (better) best = { thresholds, tuning, faults, understood };
          }
  return best!;
}

/** Training every decision point of the flow, in milliseconds: the median of five, or of fewer past 5 s in all. */
function trainingMs(train: Train): number {
  const times: number[] = [];
  for (let spent = 0; times.length < 5 && spent < 5000; spent += times.at(-1)!) {
    const start = performance.now();
    learn(flow!, train).trainAll();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

/** The mean time of one read, in microseconds, over `reads` reads of the tuning part's answers at their points. */
function readUs(train: Train): number {
  const readers = learn(flow!, train);
  const work: { read: (a: string) => unknown; answer: string }[] = [];
  for (const [id, value] of Object.entries(set)) {
    if (id === 'options') continue;
    const reader = readers.reader(id) ?? readers.reader('main-menu')!;
    for (const items of Object.values((value as { tuning: Record<string, unknown[]> }).tuning))
      for (const item of items)
        work.push({ read: (a) => reader.read(a), answer: typeof item === 'string' ? item : String((item as string[])[0]) });
  }
  for (let i = 0; i < Math.min(reads, 500); i++) work[i % work.length]!.read(work[i % work.length]!.answer);
  const start = performance.now();
  for (let i = 0; i < reads; i++) work[i % work.length]!.read(work[i % work.length]!.answer);
  return ((performance.now() - start) * 1000) / reads;
}

interface Result {
  name: string;
  thresholds: Thresholds;
  tuning: Figures;
  heldOut: Figures;
  heldOutByPoint: Record<string, Figures>;
  trainingMs: number;
  readUs: number;
}
const results: Result[] = [];
const measure = (name: string, train: Train, thresholds: Thresholds, tuning: Figures) => {
  learn(flow, remembering(train));
  const { total: heldOut, points } = evaluate(flow, set, 'heldOut', { ...DEFAULT_SPEECH, understanding: thresholds });
  const result = {
    name,
    thresholds,
    tuning,
    heldOut,
    heldOutByPoint: Object.fromEntries(points),
    trainingMs: trainingMs(train),
    readUs: readUs(train),
  };
  results.push(result);
  process.stdout.write(`${row(result)}\n`);
};

const pct = (f: Figures) => `${(100 * understoodShare(f)).toFixed(1)}%`;
const row = (r: Result) => {
  const h = r.heldOut;
  const t = r.thresholds;
  return `| ${r.name} | ${pct(h)} | ${h.understood} | ${h.confirmed} | ${h.askedAgain - h.irrelevantAskedAgain} | ${h.wrong} | ${h.irrelevantAskedAgain} of ${h.irrelevant} | ${pct(r.tuning)}, ${r.tuning.wrong} wrong, ${r.tuning.irrelevantAskedAgain} of ${r.tuning.irrelevant} | ${t.act} / ${t.lead} / ${t.confirm} / ${t.like} / ${t.likeToConfirm} | ${r.trainingMs.toFixed(1)} | ${r.readUs.toFixed(0)} |`;
};
const HEADER =
  '| reader | held-out understood (with confirmed) | understood at once | confirmed first | asked again | wrong branch | irrelevant asked again | tuning: understood, wrong, irrelevant asked again | thresholds act / lead / confirm / like / likeToConfirm | training, whole flow (ms) | one read (µs) |\n|---|---|---|---|---|---|---|---|---|---|---|';

process.stdout.write(`${HEADER}\n`);
for (const { name, train } of candidates) {
  learn(flow, remembering(train));
  const { thresholds, tuning } = tune();
  measure(name, train, thresholds, tuning);
  if (train === nlpjs) {
    learn(flow, remembering(train));
    measure('NLP.js with the line’s thresholds (UNDERSTANDING)', train, UNDERSTANDING, figures('tuning', UNDERSTANDING));
  }
}

const heldOut = results[0]!.heldOut;
const meta = {
  flow: FLOW_ID,
  evaluationSet: `${FLOW_DIR}/answers/${FLOW_ID}.yaml`,
  excluded: 'answers meaning `number` (spoken phone numbers at callback-number and callback-keyed), read elsewhere',
  heldOutAnswers: heldOut.answers,
  heldOutRelevant: heldOut.answers - heldOut.irrelevant,
  grid: GRID,
  reads,
  node: process.version,
  date: new Date().toISOString().slice(0, 10),
};
mkdirSync(RESULTS, { recursive: true });
writeFileSync(join(RESULTS, 'understanding.json'), `${JSON.stringify({ ...meta, results }, null, 2)}\n`);
writeFileSync(
  join(RESULTS, 'understanding.md'),
  `Spoken answers read by each reader on ${FLOW_ID}'s held-out answers (${meta.heldOutAnswers} answers, ${meta.heldOutRelevant} meaning a choice; ` +
    `answers meaning a phone number left out), thresholds tuned on the tuning part; ${meta.node}, ${meta.date} (npm run bench:understanding).\n\n` +
    `${HEADER}\n${results.map(row).join('\n')}\n`,
);
process.stdout.write(`\nwritten: ${join(RESULTS, 'understanding.json')}, ${join(RESULTS, 'understanding.md')}\n`);
