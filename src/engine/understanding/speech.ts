import type { FlowFile } from '../../flows/schema';
import { decisionPoints, type DecisionPoint, LINE_POINTS, listensFor, nameOf, type SpokenChoice } from '../../flows/words';
import type { CallContext, CallEvent } from '../call-machine';
import { SYSTEM } from '../compile';
import { Understanding, type Teaching, type Understood } from './understanding';
import { NUMBER_WORDS, spokenNumber } from './spoken-number';

/** How the line listens for speech, from the configuration; undefined when SPEECH_INPUT=off. */
export interface SpeechSettings {
  /** Below this confidence a matched answer is confirmed before it is acted on. */
  confidenceThreshold: number;
  /** How sure the classifier must be; UNDERSTANDING unless an evaluation tries others. */
  understanding?: Thresholds;
}

/** The line's default: SPEECH_INPUT=on, SPEECH_CONFIDENCE_THRESHOLD=0.5. What the listening-time report times. */
export const DEFAULT_SPEECH: SpeechSettings = { confidenceThreshold: 0.5 };

/** What a turn heard, for its log line: how the caller answered and which choice it matched, never the words. */
export interface Heard {
  mode: 'key' | 'speech' | 'none';
  /** The choice matched: its name for speech ("password"), its key for a key; null when nothing matched. */
  option: string | null;
  confidence?: number;
  /** What came of a spoken answer. */
  match?: 'matched' | 'confirm' | 'confirmed' | 'refused' | 'unknown';
}

/** `heard.option` for a spoken phone number: that one was heard, never which. */
export const NUMBER_HEARD = 'phone number';

/** Whether calls on `flow` listen for speech: the flow says so and the configuration does not turn it off. */
export function listening(flow: FlowFile, speech: SpeechSettings | undefined): boolean {
  return speech !== undefined && listensFor(flow);
}

/** The decision point a call in `state` is at: a node's id, or one of the line's own steps; none where it does not ask. */
export function pointOf(state: string, context: Pick<CallContext, 'confirming'>): string {
  if (context.confirming !== null) return LINE_POINTS.confirm;
  if (state === SYSTEM.dialFailed) return LINE_POINTS.dialFailed;
  if (state === SYSTEM.deskClosed) return LINE_POINTS.deskClosed;
  if (state === SYSTEM.callbackNumber) return LINE_POINTS.callbackNumber;
  // "You keyed 6 1 3 …: if that's right, press 1": yes or no, as at a confirmation.
  if (state === SYSTEM.callbackConfirm) return LINE_POINTS.callbackConfirm;
  if (state === SYSTEM.deskUnavailable) return LINE_POINTS.deskUnavailable;
  // "Key in the 10-digit number": a number (see takesNumber), or what works everywhere, as 0, * and 9 do there.
  if (state === SYSTEM.callbackKeyed) return LINE_POINTS.callbackKeyed;
  return state;
}

/** An example or word of the flow that the line would take for another choice where it is offered. */
export interface ExampleProblem {
  node?: string;
  field: string;
  message: string;
}

/**
 * The flow's examples (and words) that the line, reading them as a caller's answer it had not been taught, would
 * take for another choice of the same decision point: a contradiction among the examples, which `npm run
 * flows:check` reports. Each is reported once, at the first point where it happens.
 */
export function exampleProblems(flow: FlowFile): ExampleProblem[] {
  if (!listensFor(flow)) return [];
  const nothing = flow.speech?.examples.none ?? [];
  const problems: ExampleProblem[] = [];
  const reported = new Set<string>();
  for (const point of decisionPoints(flow)) {
    const teachings = point.choices.map((c) => ({ key: c.key, phrases: c.examples }));
    const others = point.choices.map((c) => ({ key: c.key, phrases: c.words }));
    // Words stay taught; each example is read by a classifier that was not taught it.
    for (const { key, phrase, read } of Understanding.crossRead(teachings, nothing, others, leadersOf(point.choices))) {
      const choice = point.choices.find((c) => c.key === key)!;
      const seen = `${choice.field}:${phrase}`;
      const verdict = verdictOf(read);
      // Asked about first ("did you say …?") is not taken: only an example acted on as another choice is reported.
      if (reported.has(seen) || verdict.kind !== 'act' || verdict.key === key) continue;
      reported.add(seen);
      const other = point.choices.find((c) => c.key === verdict.key)!;
      problems.push({
        ...(point.node === undefined ? {} : { node: point.node }),
        field: choice.field.replace('words', 'examples'),
        message: `the example '${phrase}' of '${nameOf(choice)}' (key ${key}) would be taken for '${nameOf(other)}' (key ${other.key}) ${point.where}; reword it, or give '${nameOf(choice)}' more examples like it`,
      });
    }
  }
  return problems;
}

/** Reads an answer at one decision point: the line's Understanding, or another classifier being compared with it. */
export interface Reader {
  read(answer: string): Understood;
}
/** Trains a reader for one decision point. */
export type Train = (teachings: readonly Teaching[], nothing: readonly string[], leaders: ReadonlySet<string>) => Reader;
const trainUnderstanding: Train = (teachings, nothing, leaders) => new Understanding(teachings, nothing, leaders);

/** The keys of a decision point whose phrases may lead an answer and decide it: yes and no. */
const leadersOf = (choices: readonly SpokenChoice[]) =>
  new Set(choices.filter((c) => c.name === 'yes' || c.name === 'no').map((c) => c.key));

/**
 * What the line knows of a flow's spoken answers: each decision point's choices, and its classifier, trained the
 * first time it is needed or by `warmUp`.
 */
export class Listening {
  readonly choices = new Map<string, SpokenChoice[]>();
  /** The hints of each decision point, worked out the first time (hintsFor). */
  readonly hints = new Map<string, string[]>();
  private readonly readers = new Map<string, Reader>();
  private readonly points = new Map<string, DecisionPoint>();

  constructor(
    flow: FlowFile,
    private readonly train: Train = trainUnderstanding,
  ) {
    this.nothing = flow.speech?.examples.none ?? [];
    for (const point of decisionPoints(flow)) {
      this.points.set(point.id, point);
      this.choices.set(point.id, point.choices);
    }
  }
  private readonly nothing: readonly string[];

  /** The classifier of a decision point, trained now if it was not yet (about 40 ms); undefined for no such point. */
  reader(id: string): Reader | undefined {
    let reader = this.readers.get(id);
    if (reader !== undefined) return reader;
    const point = this.points.get(id);
    if (point === undefined) return undefined;
    reader = this.train(
      point.choices.map((c) => ({ key: c.key, phrases: [...c.words, ...c.examples] })),
      this.nothing,
      leadersOf(point.choices),
    );
    this.readers.set(id, reader);
    return reader;
  }

  /** Trains every decision point now. */
  trainAll(): this {
    for (const id of this.points.keys()) this.reader(id);
    return this;
  }

  /**
   * Trains the decision points not yet trained, one per turn of the event loop: the line answers while it learns,
   * and a call that reaches a point first trains it then. Start-up does not wait for it (about 1 s in all).
   */
  warmUp(): void {
    const next = [...this.points.keys()].find((id) => !this.readers.has(id));
    if (next === undefined) return;
    this.reader(next);
    setImmediate(() => this.warmUp()).unref();
  }
}
const learned = new WeakMap<FlowFile, Listening>();

/** What the line knows of `flow`'s spoken answers; `train` replaces the classifier (to compare another one). */
export function learn(flow: FlowFile, train?: Train): Listening {
  let listening = learned.get(flow);
  if (listening !== undefined && train === undefined) return listening;
  listening = new Listening(flow, train);
  learned.set(flow, listening);
  return listening;
}

/**
 * The choices a caller can say in `state`: its own, then those that work everywhere. A confirmation offers yes and
 * no, and what works everywhere. Empty where the flow does not listen for speech.
 */
export function spokenChoices(flow: FlowFile, state: string, context: Pick<CallContext, 'confirming'>): SpokenChoice[] {
  return learn(flow).choices.get(pointOf(state, context)) ?? [];
}

/** Where a caller may say a callback number: where it is keyed, and straight away where they are asked which one. */
const takesNumber = (state: string, context: Pick<CallContext, 'confirming'>) =>
  context.confirming === null && (state === SYSTEM.callbackKeyed || state === SYSTEM.callbackNumber);

/**
 * What to hint to the recogniser in `state`: every word of every choice, the words of a phone number where one is
 * taken, then the examples of up to four words, a choice's after another's (what a recogniser can use; a long example adds nothing a shorter one
 * does not), each once, at most MAX_HINTS. Twilio takes "a comma-separated list of up to 500 entries, each entry can
 * be 100 characters or fewer, and each word in a phrase must be separated by a space" (warning 13330,
 * https://www.twilio.com/docs/api/errors/13330): a comma inside a phrase is a space here, the schema holds the 100
 * characters. Plain words, no class tokens ($OOV_CLASS_DIGIT_SEQUENCE): those belong to one speech provider, and
 * with a generic speechModel Twilio picks the provider ("Use only the tokens and keywords supported by the selected
 * STT provider", same page).
 */
export function hintsFor(flow: FlowFile, state: string, context: Pick<CallContext, 'confirming'>): string[] {
  const listening = learn(flow);
  const id = `${pointOf(state, context)}${takesNumber(state, context) ? ' number' : ''}`;
  let hints = listening.hints.get(id);
  if (hints === undefined) listening.hints.set(id, (hints = hintsOf(spokenChoices(flow, state, context), takesNumber(state, context))));
  return hints;
}

/** The hints of a decision point's choices, worked out once per point (see hintsFor). */
function hintsOf(choices: readonly SpokenChoice[], number: boolean): string[] {
  if (choices.length === 0) return [];
  const numbers = number ? NUMBER_WORDS : [];
  // Each choice's short examples in turn, so that every choice has its share within the limit.
  const shorts = choices.map((c) => c.examples.filter((e) => e.split(' ').length <= 4));
  const short = Array.from({ length: Math.max(0, ...shorts.map((s) => s.length)) }, (_, i) =>
    shorts.flatMap((s) => (i < s.length ? [s[i]!] : [])),
  ).flat();
  const phrases = [...choices.flatMap((c) => c.words), ...numbers, ...short].map((p) => p.replace(/,/g, ' ').replace(/\s+/g, ' '));
  return [...new Set(phrases)].slice(0, MAX_HINTS);
}
/** Every choice's words and a few of its short examples: a tenth of Twilio's 500, to keep each answer small. */
const MAX_HINTS = 50;

/** The name of the choice `key` stands for in `state`, for "Did you say password?". */
export function choiceName(flow: FlowFile, state: string, key: string): string {
  const choice = spokenChoices(flow, state, { confirming: null }).find((c) => c.key === key);
  return choice === undefined ? key : nameOf(choice);
}

/**
 * How sure the line must be of a spoken answer, set from the evaluation set's tuning part (npm run flows:understanding,
 * docs/understanding.md) so that none of it goes to a wrong branch: the best choice's share of the classifier's
 * scores to act on it at once, its lead over the next, and the least share to ask "Did you say …?" rather than ask
 * again; and how much of the answer the decision point must know (the share of its words it was taught).
 */
export const UNDERSTANDING: Thresholds = { act: 0.8, lead: 0.7, confirm: 0.3, like: 0.7, likeToConfirm: 0.1 };
export interface Thresholds {
  act: number;
  lead: number;
  confirm: number;
  like: number;
  likeToConfirm: number;
}

/** What a spoken answer comes to: a choice to act on, one to confirm first, or nothing. */
export type Verdict = { kind: 'act' | 'confirm'; key: string; score: number } | { kind: 'none'; score: number };

/** The verdict on an answer read at a decision point, by the thresholds above. */
export function verdictOf(understood: Understood, sure: Thresholds = UNDERSTANDING): Verdict {
  const [best, next] = understood.readings;
  if (best === undefined) return { kind: 'none', score: 0 };
  if (understood.exact) return { kind: 'act', key: best.key, score: 1 };
  const lead = best.score - (next?.score ?? 0);
  // "No, I said username.": a first clause that is a choice's own phrase decides when the whole answer reads so too;
  // otherwise it is asked about first.
  if (understood.lead !== undefined)
    return { kind: best.key === understood.lead ? 'act' : 'confirm', key: understood.lead, score: best.score };
  // An answer closer to what chooses nothing than to the choice is not taken for it.
  if (understood.like <= understood.likeNothing) return { kind: 'none', score: best.score };
  if (best.score >= sure.act && lead >= sure.lead && understood.like >= sure.like && understood.agree !== false)
    return { kind: 'act', key: best.key, score: best.score };
  if (best.score >= sure.confirm && understood.like >= sure.likeToConfirm) return { kind: 'confirm', key: best.key, score: best.score };
  return { kind: 'none', score: best.score };
}

/** What `answer` means in `state`: the decision point's classifier's verdict. */
export function understand(
  flow: FlowFile,
  state: string,
  context: Pick<CallContext, 'confirming'>,
  answer: string,
  sure: Thresholds = UNDERSTANDING,
): Verdict {
  const understanding = learn(flow).reader(pointOf(state, context));
  return understanding === undefined ? { kind: 'none', score: 0 } : verdictOf(understanding.read(answer), sure);
}

/**
 * A caller's answer as the call machine takes it. Speech becomes the key of the choice the decision point's
 * classifier reads in it when it is sure of it and the recogniser was sure enough of the words; a confirmation
 * ("Did you say password?") when either is less sure, or when two choices come close; a wrong answer when it means
 * nothing here. At a confirmation, 1 or "yes" is the answer confirmed, 2 or "no" asks the question again, and the
 * keys and words that work everywhere still do.
 */
export function interpret(
  flow: FlowFile,
  state: string,
  context: CallContext,
  event: CallEvent,
  speech: SpeechSettings | undefined,
): { event: CallEvent; heard: Heard } {
  const confirming = context.confirming;
  if (event.type === 'KEY') {
    if (confirming !== null && event.key === '1') {
      const word = choiceName(flow, state, confirming.key);
      return {
        event: { type: 'KEY', key: confirming.key, said: { word, confidence: confirming.confidence, confirmed: true } },
        heard: { mode: 'key', option: word, confidence: confirming.confidence, match: 'confirmed' },
      };
    }
    if (confirming !== null && event.key === '2')
      return { event: { type: 'REFUSE' }, heard: { mode: 'key', option: null, match: 'refused' } };
    return { event, heard: { mode: 'key', option: event.key } };
  }
  if (event.type !== 'SPEECH') return { event, heard: { mode: 'none', option: null } };
  const confidence = event.confidence;
  // Speech where the line does not listen for it (Twilio would not send it): an answer that is not a choice.
  if (!listening(flow, speech))
    return { event: { type: 'KEY', key: '?' }, heard: { mode: 'speech', option: null, confidence, match: 'unknown' } };
  // ── A spoken callback number (spoken-number.ts), taken as the same digits keyed would be: the machine keeps it and
  // reads it back digit by digit for confirmation, so the recogniser's confidence needs no confirmation of its own.
  // What was said and the digits stay out of `heard`: its log line says only that a number was heard. ──
  if (takesNumber(state, context)) {
    const digits = spokenNumber(event.text);
    if (digits !== undefined)
      return { event: { type: 'KEY', key: digits }, heard: { mode: 'speech', option: NUMBER_HEARD, confidence, match: 'matched' } };
  }
  // ── end of the spoken callback number ──
  const verdict = understand(flow, state, context, event.text, speech!.understanding);
  if (verdict.kind === 'none')
    return { event: { type: 'NOT_UNDERSTOOD' }, heard: { mode: 'speech', option: null, confidence, match: 'unknown' } };
  const choice = spokenChoices(flow, state, context).find((c) => c.key === verdict.key)!;
  if (confirming !== null && (choice.key === '1' || choice.key === '2') && choice.field.startsWith('speech.words.')) {
    // "Did you say password?" "Mm, not sure": a confirmation is not confirmed on a guess; it is asked again.
    if (verdict.kind !== 'act')
      return { event: { type: 'NOT_UNDERSTOOD' }, heard: { mode: 'speech', option: null, confidence, match: 'unknown' } };
    if (choice.key === '2')
      return { event: { type: 'REFUSE' }, heard: { mode: 'speech', option: nameOf(choice), confidence, match: 'refused' } };
    const word = choiceName(flow, state, confirming.key);
    return {
      event: { type: 'KEY', key: confirming.key, said: { word, confidence: confirming.confidence, confirmed: true } },
      heard: { mode: 'speech', option: word, confidence, match: 'confirmed' },
    };
  }
  const word = nameOf(choice);
  if (verdict.kind === 'confirm' || confidence < speech!.confidenceThreshold)
    return {
      event: { type: 'CONFIRM', key: choice.key, confidence },
      heard: { mode: 'speech', option: word, confidence, match: 'confirm' },
    };
  return {
    event: { type: 'KEY', key: choice.key, said: { word, confidence, confirmed: false } },
    heard: { mode: 'speech', option: word, confidence, match: 'matched' },
  };
}
