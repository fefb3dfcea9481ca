import { SYSTEM, type CompiledFlow } from '../engine/compile';
import type { Prompt, SpeakingContext } from '../engine/prompt';
import { renderPrompt, whisperTwiml, type RenderOptions } from '../telephony/twiml';
import { audibleParts, firstWords, partsSeconds, type Audible } from './audible';
import { DEFAULT_WORDS_PER_MINUTE, speechSeconds } from './speech';
import { walkFlow, type Move, type WalkedPath } from './walk';
import { listening, spokenChoices } from '../engine/understanding/speech';
import { composePrompt } from '../engine/prompt';
import { startCall } from '../engine/step';

/** One document the line plays, timed: a prompt to the caller, or the whisper to the agent. */
export interface TimedPrompt {
  /** The flow node it is said at (`system.…` for the line's own states). */
  node: string;
  /** Its first words, to tell it from the other prompts of the same node (a reprompt, say). */
  words: string;
  parts: Audible[];
  /** Estimated from the words and pauses. */
  seconds: number;
  /** Measured from synthesized audio, when it was. */
  audioSeconds?: number;
}

export interface TimedPath {
  /** As `npm run call -- --keys` takes them: `_` for no key, `busy`/`no-answer` for the desk. */
  keys: string;
  outcome: string;
  ending: WalkedPath['ending'];
  /** Held to the outcome budgets: each prompt heard once (no reprompt, wait or retry). */
  answeredOnce: boolean;
  heard: TimedPrompt[];
  /** What of each prompt the caller hears before answering it: `heard`, up to the sentence naming the key pressed. */
  listened: TimedPrompt[];
  whisper?: TimedPrompt;
  seconds: number;
  audioSeconds?: number;
}

export interface FlowTiming {
  file: string;
  flowId: string;
  version: string;
  wordsPerMinute: number;
  paths: TimedPath[];
  /**
   * The prompts only a caller answering by voice hears, which no path of keys reaches: each confirmation ("Did you
   * say password?") and each reprompt after an answer that named nothing. Held to the prompt budget.
   */
  spoken: TimedPrompt[];
}

/** How the line states' names read in a report: flow node ids as they are, the line's own by their flow field. */
const SYSTEM_FIELD: Record<string, string> = {
  [SYSTEM.bsdRequest]: 'system.bsdRequest',
  [SYSTEM.keypadTrouble]: 'system.keypadTrouble',
  [SYSTEM.quiet]: 'system.quiet',
  [SYSTEM.redial]: 'system.holdOn',
  [SYSTEM.dialFailed]: 'system.dialFailed',
  [SYSTEM.deskUnavailable]: 'system.deskUnavailable',
  [SYSTEM.afterDesk]: 'system.afterDesk',
  [SYSTEM.goodbye]: 'system.goodbye',
  [SYSTEM.deskClosed]: 'system.deskClosed',
  [SYSTEM.callbackNumber]: 'system.callback.number',
  [SYSTEM.callbackKeyed]: 'system.callback.keyIn',
  [SYSTEM.callbackConfirm]: 'system.callback.confirm',
  [SYSTEM.callbackBooked]: 'system.callback.booked',
  [SYSTEM.textQueued]: 'system.text.deskQueued',
};
const SYSTEM_OUTCOME: Record<string, string> = {
  [SYSTEM.bsdRequest]: 'the desk (0)',
  [SYSTEM.keypadTrouble]: 'keypad trouble',
  [SYSTEM.quiet]: 'went quiet',
  [SYSTEM.redial]: 'redial',
  [SYSTEM.dialFailed]: 'the try-again question',
  [SYSTEM.deskUnavailable]: "the desk's number",
  [SYSTEM.goodbye]: 'goodbye',
  [SYSTEM.deskClosed]: 'the desk-closed choice',
  [SYSTEM.callbackNumber]: 'the callback number',
  [SYSTEM.callbackKeyed]: 'a keyed number',
  [SYSTEM.callbackConfirm]: 'the number read back',
  [SYSTEM.callbackBooked]: 'callback booked',
  [SYSTEM.textQueued]: 'details by text message',
};

export const nodeName = (state: string) => SYSTEM_FIELD[state] ?? state;
const outcomeName = (state: string) => SYSTEM_OUTCOME[state] ?? state;

export function keysOf(moves: readonly Move[]): string {
  return moves
    .map((m) => (m.kind === 'key' ? m.key : m.kind === 'silence' ? '_' : m.outcome === 'noAnswer' ? 'no-answer' : m.outcome))
    .join(',');
}

function outcomeOf(path: WalkedPath): string {
  const via = path.heard.at(-2)?.state;
  const final = outcomeName(path.final);
  const where = via === undefined ? '' : outcomeName(via);
  let what: string;
  if (path.ending === 'loop') what = `no end, back to ${final}`;
  else if (path.final === SYSTEM.keypadTrouble || path.final === SYSTEM.quiet) what = `transfer: ${final} at ${where}`;
  else if (path.ending === 'transfer') what = `transfer: ${final}`;
  else what = path.deskProblem === undefined ? `${final} after ${where}` : final;
  if (path.deskClosed === true) return `desk closed: ${what}`;
  return path.deskProblem === undefined ? what : `desk ${path.deskProblem === 'noAnswer' ? 'no answer' : path.deskProblem}: ${what}`;
}

export interface MeasureOptions {
  speaking: SpeakingContext;
  /** Overrides the flow's own rate (its budgets.wordsPerMinute). */
  wordsPerMinute?: number;
}

/** What the report renders with: only what is spoken counts, so the URLs and waits are placeholders. */
function renderOptions(compiled: CompiledFlow, speaking: SpeakingContext): RenderOptions {
  const { voice, language } = compiled.flow;
  return {
    baseUrl: 'https://line.invalid',
    voice: voice === undefined ? { language } : { voice, language },
    bsdNumber: speaking.bsdNumber,
    gatherTimeoutSeconds: 7,
    stepsTimeoutSeconds: 30,
    dialTimeoutSeconds: 30,
    ...(speaking.speech !== undefined && { speech: speaking.speech }),
  };
}

/** Walks every path of a flow and times what the caller hears on each, from the TwiML the line would send. */
export function measureFlow(compiled: CompiledFlow, options: MeasureOptions): FlowTiming {
  const wordsPerMinute = options.wordsPerMinute ?? compiled.flow.budgets?.wordsPerMinute ?? DEFAULT_WORDS_PER_MINUTE;
  const render = renderOptions(compiled, options.speaking);
  const urls = { input: `${render.baseUrl}/voice/input`, dial: `${render.baseUrl}/voice/dial` };
  const say = (text: string) => speechSeconds(text, wordsPerMinute);
  const known = new Map<string, TimedPrompt>();
  const timed = (node: string, twiml: string): TimedPrompt => {
    const key = `${node}\n${twiml}`;
    let found = known.get(key);
    if (found === undefined) {
      const parts = audibleParts(twiml);
      known.set(key, (found = { node: nodeName(node), words: firstWords(parts), parts, seconds: partsSeconds(parts, say) }));
    }
    return found;
  };
  const prompt = (state: string, p: Prompt) => timed(state, renderPrompt(p, urls, render));

  /**
   * How much of a prompt the caller hears before answering it: a key is pressed as soon as the sentence naming it
   * has been said (the greeting says a key can be pressed at any time, and the Gather stops speaking at a key);
   * anything else (no key, the desk's dial) hears the whole prompt.
   */
  const listenedTo = (p: Prompt, move: Move | undefined): Prompt => {
    if (move?.kind !== 'key' || p.kind !== 'ask') return p;
    const named = `press ${move.key === '*' ? 'star' : move.key}`;
    const at = p.say.findIndex((sentence) => sentence.includes(named));
    return at < 0 ? p : { ...p, say: p.say.slice(0, at + 1) };
  };

  const paths = walkFlow(compiled, options.speaking).map((path): TimedPath => {
    const heard = path.heard.map((h) => prompt(h.state, h.prompt));
    const listened = path.heard.map((h, i) => prompt(h.state, listenedTo(h.prompt, path.moves[i])));
    return {
      keys: keysOf(path.moves),
      outcome: outcomeOf(path),
      ending: path.ending,
      answeredOnce: path.answeredOnce,
      heard,
      listened,
      ...(path.whisper === undefined ? {} : { whisper: timed(path.final, whisperTwiml(path.whisper, render)) }),
      seconds: listened.reduce((sum, h) => sum + h.seconds, 0),
    };
  });
  return { file: compiled.file, flowId: compiled.flow.id, version: compiled.version, wordsPerMinute, paths, spoken: spokenPrompts() };

  /** Every confirmation and "not understood" reprompt of every state that listens for speech, each timed once. */
  function spokenPrompts(): TimedPrompt[] {
    if (!listening(compiled.flow, options.speaking.speech)) return [];
    const context = startCall(compiled, CALL_SID, options.speaking).call.context;
    const out = new Set<TimedPrompt>();
    for (const state of Object.keys(compiled.nodeVersions)) {
      const choices = spokenChoices(compiled.flow, state, { confirming: null });
      if (choices.length === 0) continue;
      for (const choice of choices) {
        const asked = { ...context, notice: null, confirming: { key: choice.key, confidence: 0 } };
        out.add(prompt(state, composePrompt(compiled, state, asked, options.speaking)));
      }
      const again = composePrompt(compiled, state, { ...context, notice: 'notUnderstood', failures: 1 }, options.speaking);
      if (again.kind === 'ask') out.add(prompt(state, again));
    }
    return [...out];
  }
}

/** Any CallSid: the reference it gives has six digits like every other. */
const CALL_SID = 'CA00000000000000000000000000000000';

/** Every text the line speaks in `timing`, each once: what has to be synthesized to time it from audio. */
export function spokenTexts(timing: FlowTiming): string[] {
  const texts = new Set<string>();
  for (const path of timing.paths)
    for (const p of [...path.heard, ...path.listened, ...(path.whisper ? [path.whisper] : [])])
      for (const part of p.parts) if ('say' in part) texts.add(part.say);
  for (const p of timing.spoken) for (const part of p.parts) if ('say' in part) texts.add(part.say);
  return [...texts];
}

/** Adds the audio figures, given the seconds each spoken text takes as synthesized. */
export function withAudio(timing: FlowTiming, audio: ReadonlyMap<string, number>): FlowTiming {
  const seconds = (text: string) => {
    const s = audio.get(text);
    if (s === undefined) throw new Error(`no audio for "${text.slice(0, 60)}"`);
    return s;
  };
  const done = new Map<TimedPrompt, TimedPrompt>();
  const add = (p: TimedPrompt) => {
    let found = done.get(p);
    if (found === undefined) done.set(p, (found = { ...p, audioSeconds: partsSeconds(p.parts, seconds) }));
    return found;
  };
  return {
    ...timing,
    spoken: timing.spoken.map(add),
    paths: timing.paths.map((path) => {
      const heard = path.heard.map(add);
      const listened = path.listened.map(add);
      return {
        ...path,
        heard,
        listened,
        ...(path.whisper === undefined ? {} : { whisper: add(path.whisper) }),
        audioSeconds: listened.reduce((sum, h) => sum + h.audioSeconds!, 0),
      };
    }),
  };
}

/** The longest prompt of a path (the first of equals). */
export function longestPrompt(path: TimedPath): TimedPrompt {
  return path.heard.reduce((a, b) => (b.seconds > a.seconds ? b : a));
}
