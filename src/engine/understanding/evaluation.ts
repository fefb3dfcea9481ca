import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import type { FlowFile } from '../../flows/schema';
import { LINE_POINTS } from '../../flows/words';
import { startingContext, type CallContext } from '../call-machine';
import { SYSTEM } from '../compile';
import { interpret, learn, spokenChoices, type SpeechSettings, type Thresholds } from './speech';
import { Understanding, type Understood } from './understanding';

/**
 * How well the line understands what callers say: the flow's evaluation set (call-flows/answers/<flow id>.yaml, what
 * callers said at each decision point and what they meant) put through the line's own reading of an answer, as a
 * call in that state would. `npm run flows:understanding` prints it; CI holds its held-out figures.
 */

const answers = z.array(z.string().min(1));
const numbers = z.array(z.tuple([z.string().min(1), z.string().regex(/^\d{10}$/, 'must be the 10 digits meant')]));
const part = z.record(z.string(), z.union([answers, numbers]));
const point = z.strictObject({ tuning: part, heldOut: part });
export const evaluationSet = z.object({ options: z.record(z.string(), z.record(z.string(), z.string())).default({}) }).catchall(point);
export type EvaluationSet = z.infer<typeof evaluationSet>;
export type Part = 'tuning' | 'heldOut';

/** Reads and checks an evaluation set; a problem names the file and the field. */
export function readEvaluationSet(file: string): EvaluationSet {
  const parsed = evaluationSet.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** What came of one answer. */
export type Outcome =
  /** Taken for its meaning at once. */
  | 'understood'
  /** Its meaning was asked about first ("Did you say …?"), and would be taken on a yes. */
  | 'confirmed'
  /** Asked again (or asked about a wrong meaning, which the caller refuses). */
  | 'askedAgain'
  /** Taken for another choice: the caller is sent the wrong way. */
  | 'wrong';

/** The figures of one decision point, or of all. */
export interface Figures {
  answers: number;
  understood: number;
  confirmed: number;
  askedAgain: number;
  wrong: number;
  /** Answers meaning nothing here, and how many of those were asked again. */
  irrelevant: number;
  irrelevantAskedAgain: number;
}

const empty = (): Figures => ({
  answers: 0,
  understood: 0,
  confirmed: 0,
  askedAgain: 0,
  wrong: 0,
  irrelevant: 0,
  irrelevantAskedAgain: 0,
});

/** Where the answers meant for anywhere in the call are tried: a menu, a question, a step and the line's own steps. */
const EVERYWHERE_AT = ['main-menu', 'username', 'black-screen-restart', LINE_POINTS.dialFailed, LINE_POINTS.deskClosed];

/** The call state and context a decision point's answers are heard in. */
function placeOf(flow: FlowFile, id: string): { state: string; context: CallContext } | undefined {
  const context = startingContext('TEST');
  const system: Record<string, string> = {
    [LINE_POINTS.dialFailed]: SYSTEM.dialFailed,
    [LINE_POINTS.deskClosed]: SYSTEM.deskClosed,
    [LINE_POINTS.callbackNumber]: SYSTEM.callbackNumber,
    [LINE_POINTS.callbackConfirm]: SYSTEM.callbackConfirm,
    [LINE_POINTS.deskUnavailable]: SYSTEM.deskUnavailable,
    'callback-keyed': SYSTEM.callbackKeyed,
  };
  if (id === LINE_POINTS.confirm) return { state: flow.start, context: { ...context, confirming: { key: '2', confidence: 0.3 } } };
  if (id in system) {
    const withNumber = id === LINE_POINTS.callbackConfirm ? { ...context, callbackNumber: '2045550123' } : context;
    return { state: system[id]!, context: withNumber };
  }
  return id in flow.nodes ? { state: id, context } : undefined;
}

/** The key a meaning stands for at a decision point; undefined for "none". */
function keyOf(flow: FlowFile, set: EvaluationSet, id: string, state: string, context: CallContext, meaning: string): string | undefined {
  if (meaning === 'none') return undefined;
  const option = set.options[id]?.[meaning];
  if (option !== undefined) return option;
  const choice = spokenChoices(flow, state, context).find((c) => c.name === meaning);
  if (choice === undefined) throw new Error(`the meaning '${meaning}' is not a choice at '${id}'`);
  return choice.key;
}

/** What the line makes of `said` in `state`, against what the caller meant (a key, digits, or nothing). */
function outcomeOf(
  flow: FlowFile,
  state: string,
  context: CallContext,
  said: string,
  meant: { key?: string; digits?: string },
  speech: SpeechSettings,
): Outcome {
  const { event } = interpret(flow, state, context, { type: 'SPEECH', text: said, confidence: 0.9 }, speech);
  const wanted = meant.digits ?? meant.key;
  if (context.confirming !== null) {
    // At "Did you say …?", yes takes the answer asked about and no refuses it.
    const taken = event.type === 'KEY' && event.key === context.confirming.key ? '1' : event.type === 'REFUSE' ? '2' : undefined;
    if (taken !== undefined) return taken === wanted ? 'understood' : 'wrong';
  }
  if (event.type === 'KEY') return event.key === wanted ? 'understood' : 'wrong';
  if (event.type === 'CONFIRM') return event.key === wanted ? 'confirmed' : 'askedAgain';
  return 'askedAgain';
}

function add(figures: Figures, outcome: Outcome, irrelevant: boolean): void {
  figures.answers++;
  figures[outcome]++;
  if (irrelevant) {
    figures.irrelevant++;
    if (outcome === 'askedAgain') figures.irrelevantAskedAgain++;
  }
}

/** One answer that was not understood, for the report: never a caller's words, only the evaluation set's. */
export interface Miss {
  point: string;
  said: string;
  meant: string;
  outcome: Outcome;
}

/** The figures of `part` of the set, per decision point, with the answers that were not understood. */
export function evaluate(
  flow: FlowFile,
  set: EvaluationSet,
  which: Part,
  speech: SpeechSettings,
): { points: Map<string, Figures>; total: Figures; misses: Miss[] } {
  const points = new Map<string, Figures>();
  const total = empty();
  const misses: Miss[] = [];
  for (const [id, value] of Object.entries(set)) {
    if (id === 'options') continue;
    const places = id === 'everywhere' ? EVERYWHERE_AT : [id];
    const figures = empty();
    for (const at of places) {
      const place = placeOf(flow, at);
      if (place === undefined) throw new Error(`'${at}' is not a decision point of flow '${flow.id}'`);
      for (const [meaning, items] of Object.entries((value as z.infer<typeof point>)[which])) {
        for (const item of items) {
          const [said, digits] = typeof item === 'string' ? [item, undefined] : item;
          const key = meaning === 'number' ? undefined : keyOf(flow, set, at, place.state, place.context, meaning);
          const outcome = outcomeOf(flow, place.state, place.context, said, { key, digits }, speech);
          const irrelevant = meaning === 'none';
          add(figures, outcome, irrelevant);
          add(total, outcome, irrelevant);
          if (outcome !== 'understood' && !(irrelevant && outcome === 'askedAgain') && outcome !== 'confirmed')
            misses.push({ point: at, said, meant: meaning, outcome });
        }
      }
    }
    points.set(id, figures);
  }
  return { points, total, misses };
}

/** The share of relevant answers understood, a confirmation answered yes counting as understood. */
export function understoodShare(f: Figures): number {
  const relevant = f.answers - f.irrelevant;
  return relevant === 0 ? 1 : (f.understood + f.confirmed) / relevant;
}

/**
 * The thresholds that understand the most of the tuning part with no wrong branch and every irrelevant answer asked
 * again (the strictest of equals), from a grid around the line's own: what `npm run flows:understanding -- --tune`
 * suggests after the examples change. The held-out part is never used here.
 */
export function tune(flow: FlowFile, set: EvaluationSet, speech: SpeechSettings): { thresholds: Thresholds; figures: Figures } {
  // The classifiers' readings do not depend on the thresholds: each answer is read once, on a copy of the flow.
  const copy = structuredClone(flow);
  learn(copy, (teachings, nothing, leaders) => {
    const understanding = new Understanding(teachings, nothing, leaders);
    const read = new Map<string, Understood>();
    return { read: (answer) => read.get(answer) ?? read.set(answer, understanding.read(answer)).get(answer)! };
  });
  flow = copy;
  const fit: { thresholds: Thresholds; figures: Figures }[] = [];
  const grid = (from: number, to: number, step: number) => {
    const out: number[] = [];
    for (let v = from; v <= to + 1e-9; v += step) out.push(Math.round(v * 100) / 100);
    return out;
  };
  for (const act of grid(0.6, 0.95, 0.05))
    for (const lead of grid(0.3, 0.9, 0.1))
      for (const confirm of grid(0.3, Math.min(act, 0.8), 0.1))
        for (const like of grid(0.2, 0.8, 0.1))
          for (const likeToConfirm of grid(0.1, like, 0.1)) {
            const thresholds = { act, lead, confirm, like, likeToConfirm };
            const { total } = evaluate(flow, set, 'tuning', { ...speech, understanding: thresholds });
            if (total.wrong === 0 && total.irrelevantAskedAgain === total.irrelevant) fit.push({ thresholds, figures: total });
          }
  // Of those that understand within 1% of the most, the strictest: a margin against answers not yet seen.
  const understood = (f: Figures) => f.understood + f.confirmed;
  const most = Math.max(...fit.map((f) => understood(f.figures)));
  const strictness = (t: Thresholds) => t.act + t.lead + t.confirm + t.like + t.likeToConfirm;
  const best = fit
    .filter((f) => understood(f.figures) >= most - 0.01 * (fit[0]?.figures.answers ?? 0))
    .sort((a, b) => strictness(b.thresholds) - strictness(a.thresholds) || b.figures.understood - a.figures.understood)[0];
  if (best === undefined) throw new Error('no thresholds keep the tuning part free of wrong branches: write more examples');
  return best;
}
