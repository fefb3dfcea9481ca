import { SYSTEM, type CompiledFlow } from './compile';
import { CALLBACK_DIGITS, NO_MORE_TEXTS } from './call-machine';
import type { FlowFile } from '../flows/schema';
import { fill, spokenCode } from '../flows/text';
import { spokenPhoneNumber } from '../common/phone';
import type { CallContext } from './call-machine';
import { choiceName, hintsFor, listening, type SpeechSettings } from './understanding/speech';

/** What the caller hears next, independent of how it is sent to the phone network. */
export type Prompt =
  /**
   * Speak, then wait for one key; `patient` waits longer (self-service steps take time), `waitSeconds` as long as
   * the step says.
   */
  | { kind: 'ask'; node: string; say: string[]; patient: boolean; waitSeconds?: number; hints?: string[]; digits?: number }
  /** Speak, then warm-transfer to the desk; `whisper` is what the agent hears before the caller is connected. */
  | { kind: 'transfer'; node: string; say: string[]; whisper: string }
  /** Speak, then end the call. */
  | { kind: 'end'; node: string; say: string[] };

export interface SpeakingContext {
  /** The desk's number, E.164. */
  bsdNumber: string;
  /** How the line listens for speech; undefined when the configuration turns speech off (SPEECH_INPUT=off). */
  speech?: SpeechSettings;
  /** Set outside the desk's hours: when it opens next, in words ("tomorrow at 8 a.m."). */
  closed?: { opens: string };
  /** Whether text messages can be sent (a sender is configured): only then is "press 8" said. */
  textMessages?: boolean;
  /** False where a callback cannot be kept (the rescue path, which has no call state): "press 3" is not said. */
  callbacks?: boolean;
  /**
   * Which numbers the desk may call back for this call: its own (false: not offered, the caller keys one), and a
   * keyed one (false: asked for again). Unset: any.
   */
  callbackNumbers?: { caller(): boolean; keyed(digits: string): boolean };
}

/** Fills a flow text's placeholders; flow texts are already tidied when the flow is loaded. */
export function speaker(context: { reference: string }, speaking: SpeakingContext) {
  let values: Record<string, string> | undefined;
  return (template: string, extra?: Record<string, string>) => {
    if (!template.includes('{')) return template;
    values ??= { reference: spokenCode(context.reference), bsdNumber: spokenPhoneNumber(speaking.bsdNumber) };
    return fill(template, extra === undefined ? values : { ...values, ...extra });
  };
}

/**
 * The whisper: the reference and the reason, within the flow's whisper budget. What the caller told the line is
 * on the desk's page and in the call's summary, not read to an agent waiting to help.
 */
export function whisperFor(flow: FlowFile, reference: string, reason: string, speaking: SpeakingContext): string {
  return speaker({ reference }, speaking)(flow.phrases.whisper, { reason });
}

/** The transfer a state stands for: its words to the caller and its reason for the agent. */
export function transferOf(flow: FlowFile, state: string): { say: string; reason: string } {
  if (state === SYSTEM.bsdRequest) return flow.system.bsdRequest;
  if (state === SYSTEM.keypadTrouble) return flow.system.keypadTrouble;
  if (state === SYSTEM.quiet) return flow.system.quiet;
  const node = flow.nodes[state];
  if (node?.type === 'transfer') return node;
  return flow.system.stateLost;
}

const TRANSFER_STATES = new Set<string>([SYSTEM.bsdRequest, SYSTEM.keypadTrouble, SYSTEM.quiet, SYSTEM.redial]);

/** Whether "press 8" is said for a text (`textKey`): texts can be sent, and this one was not queued in this call. */
const offersText = (context: CallContext, speaking: SpeakingContext, text: string) =>
  speaking.textMessages === true && !context.texted.includes(text) && !context.texted.includes(NO_MORE_TEXTS);

/** A callback and, where they can be sent, the details by text message: offered when the desk cannot take the call. */
function offers(flow: FlowFile, context: CallContext, say: ReturnType<typeof speaker>, speaking: SpeakingContext): string[] {
  return [
    ...(speaking.callbacks === false ? [] : [say(flow.phrases.callback)]),
    ...(offersText(context, speaking, 'desk') ? [say(flow.phrases.textDetails)] : []),
  ];
}

/** The key choices of an interactive state, as spoken. */
function choices(
  flow: FlowFile,
  state: string,
  context: CallContext,
  say: ReturnType<typeof speaker>,
  speaking: SpeakingContext,
  spoken: boolean,
): string[] {
  const p = flow.phrases;
  const callback = flow.system.callback;
  // Keys are read in the order they are on the keypad.
  if (state === SYSTEM.dialFailed) return [say(flow.system.dialFailed.choices), ...offers(flow, context, say, speaking)];
  if (state === SYSTEM.deskClosed) return [say(p.endCall), ...offers(flow, context, say, speaking)];
  if (state === SYSTEM.callbackNumber) return [say(callback.number)];
  if (state === SYSTEM.callbackKeyed) return [say(spoken ? (flow.speech?.callbackKeyIn ?? callback.keyIn) : callback.keyIn)];
  if (state === SYSTEM.callbackConfirm) return [say(callback.confirm, { number: spokenPhoneNumber(context.callbackNumber ?? '') })];
  const node = flow.nodes[state];
  switch (node?.type) {
    case 'menu':
      return node.options.map((o) => say(p.option, { label: o.label, key: o.key }));
    case 'question':
      return [say(p.yes), say(p.no), ...(node.unsure === undefined ? [] : [say(p.unsure)])];
    case 'instructions':
      return [
        say(p.solved),
        say(p.repeatSteps),
        ...(node.more === undefined ? [] : [say(p.more, { label: node.more.label })]),
        ...(offersText(context, speaking, `steps:${state}`) ? [say(p.textSteps)] : []),
      ];
    default:
      return [];
  }
}

/** The question of a question or menu: its last sentence that asks one, else its last; what a reprompt asks again. */
function theQuestion(text: string): string {
  const sentences = text.split(/(?<=[.?!])\s+/);
  return [...sentences].reverse().find((sentence) => sentence.endsWith('?')) ?? sentences.at(-1)!;
}

/** What the caller is told after answering a question, whatever the answer: said once, at the next prompt. */
function afterAnswer(flow: FlowFile, context: CallContext, say: ReturnType<typeof speaker>): string[] {
  if (context.answered === null || context.notice !== null) return [];
  const node = flow.nodes[context.answered];
  return node?.type === 'question' && node.afterAnswer !== undefined ? [say(node.afterAnswer)] : [];
}

/**
 * Prompts that ask for a key repeat from call to call: most depend only on the state, the notice, the dial
 * problem and the desk's number. Each is composed once and kept (frozen: every call shares it), unless it speaks
 * the caller's reference, which shows when it is composed again for another reference: those are composed every
 * time. Bounded by the flow: states × notices × dial problems.
 */
const askMemo = new WeakMap<CompiledFlow, Map<string, Prompt | null>>();

/** What to say in `state`: a pure function of the flow, the state and its context. */
export function promptFor(compiled: CompiledFlow, state: string, context: CallContext, speaking: SpeakingContext): Prompt {
  if (!asksForKey(compiled.flow, state)) return composePrompt(compiled, state, context, speaking);
  let memo = askMemo.get(compiled);
  if (memo === undefined) askMemo.set(compiled, (memo = new Map()));
  // A number the caller keyed is read back in the prompt: composed each time, never kept.
  if (context.callbackNumber !== null) return composePrompt(compiled, state, context, speaking);
  const confirming = context.confirming?.key ?? '';
  const key = `${state}\n${context.notice}\n${context.dialProblem}\n${context.answered}\n${speaking.bsdNumber}\n${speaking.speech !== undefined}\n${confirming}\n${speaking.closed?.opens}\n${speaking.textMessages}\n${speaking.callbacks}\n${context.texted.join(' ')}`;
  const known = memo.get(key);
  if (known) return known;
  const prompt = composePrompt(compiled, state, context, speaking);
  if (known === undefined) {
    const reference = context.reference === '000000' ? '111111' : '000000';
    const other = composePrompt(compiled, state, { ...context, reference }, speaking);
    const same = prompt.say.join('\n') === other.say.join('\n');
    memo.set(key, same ? Object.freeze({ ...prompt, say: Object.freeze([...prompt.say]) as string[] }) : null);
  }
  return prompt;
}

/** Whether `state` is one where the caller is asked for a key (not a transfer, nor an end). */
/** The system's own states that ask for a key. */
const ASKING = new Set<string>([
  SYSTEM.dialFailed,
  SYSTEM.deskUnavailable,
  SYSTEM.deskClosed,
  SYSTEM.callbackNumber,
  SYSTEM.callbackKeyed,
  SYSTEM.callbackConfirm,
]);

function asksForKey(flow: FlowFile, state: string): boolean {
  if (ASKING.has(state)) return true;
  const type = flow.nodes[state]?.type;
  return type === 'menu' || type === 'question' || type === 'instructions';
}

/** What to say in `state`, composed from the flow's texts: promptFor without its memo. */
export function composePrompt(compiled: CompiledFlow, state: string, context: CallContext, speaking: SpeakingContext): Prompt {
  const { flow } = compiled;
  if (!listening(flow, speaking.speech)) return composeKeypadPrompt(compiled, state, context, speaking, false);
  const prompt = composeKeypadPrompt(compiled, state, context, speaking, true);
  if (prompt.kind !== 'ask') return prompt;
  const hints = hintsFor(flow, state, context);
  return hints.length === 0 ? prompt : { ...prompt, hints };
}

/** The prompt as the keypad line says it; `spoken` when the caller may also say an answer. */
function composeKeypadPrompt(
  compiled: CompiledFlow,
  state: string,
  context: CallContext,
  speaking: SpeakingContext,
  spoken: boolean,
): Prompt {
  const { flow } = compiled;
  const p = flow.phrases;
  const say = speaker(context, speaking);
  const node = flow.nodes[state];
  const aside = afterAnswer(flow, context, say);

  if (state === SYSTEM.afterDesk) return { kind: 'end', node: state, say: [say(flow.system.afterDesk)] };
  if (state === SYSTEM.goodbye) return { kind: 'end', node: state, say: [say(flow.system.goodbye)] };
  if (state === SYSTEM.callbackBooked)
    return {
      kind: 'end',
      node: state,
      say: [say(context.notice === 'callbackOpen' ? flow.system.callback.open : flow.system.callback.booked)],
    };
  if (state === SYSTEM.textQueued) return { kind: 'end', node: state, say: [say(flow.system.text.deskQueued)] };
  if (node?.type === 'end') return { kind: 'end', node: state, say: [...aside, say(node.say)] };

  const interactive = ASKING.has(state);
  if (node?.type === 'transfer' || TRANSFER_STATES.has(state) || (node === undefined && !interactive)) {
    const transferState = state === SYSTEM.redial ? (context.transfer ?? SYSTEM.bsdRequest) : state;
    const transfer = transferOf(flow, transferState);
    // A redial: the caller has heard why and the reference already.
    const opening = state === SYSTEM.redial ? [] : [...aside, say(transfer.say), say(p.reference)];
    return {
      kind: 'transfer',
      node: state,
      say: [...opening, say(flow.system.holdOn)],
      whisper: whisperFor(flow, context.reference, transfer.reason, speaking),
    };
  }

  const dialProblem = flow.system.dialFailed[context.dialProblem ?? 'failed'];
  // "Did you say password? Say yes, or press 1.": nothing else, so that the caller answers that.
  if (spoken && context.confirming !== null && flow.speech !== undefined) {
    const word = choiceName(flow, state, context.confirming.key);
    return { kind: 'ask', node: state, say: [say(flow.speech.confirm, { word })], patient: false };
  }
  if (state === SYSTEM.deskUnavailable) {
    const opening =
      context.notice === 'dialEnded'
        ? [say(dialProblem)]
        : context.notice === 'callbackFailed'
          ? [say(flow.system.callback.failed)]
          : context.notice === 'textRefused'
            ? [say(flow.system.text.refused)]
            : context.notice === 'textFailed'
              ? [say(flow.system.text.failed)]
              : [];
    return { kind: 'ask', node: state, say: [...opening, say(flow.system.deskUnavailable)], patient: false };
  }

  const keys = choices(flow, state, context, say, speaking, spoken);
  const reprompt = context.notice === 'noInput' || context.notice === 'invalidKey' || context.notice === 'notUnderstood';
  // The keys that work everywhere: after the main menu, and whenever the caller seems not to know what to press.
  const globals = reprompt || state === flow.start ? [say(p.globals)] : [];
  let opening: string[];
  if (reprompt) {
    const apology = say(
      context.notice === 'noInput'
        ? p.noInput
        : context.notice === 'notUnderstood' && flow.speech !== undefined
          ? flow.speech.notUnderstood
          : p.invalidKey,
    );
    opening = node?.type === 'menu' || node?.type === 'question' ? [apology, say(theQuestion(node.say))] : [apology];
  } else if (context.notice === 'refused') {
    // "No" to "Did you say …?": the question again, and its choices.
    opening = node?.type === 'menu' || node?.type === 'question' ? [say(theQuestion(node.say))] : [];
  } else if (context.notice === 'waiting') {
    opening = [say(p.patience)];
  } else if (
    context.notice === 'textQueued' ||
    context.notice === 'textAlready' ||
    context.notice === 'textRefused' ||
    context.notice === 'textFailed'
  ) {
    const text = flow.system.text;
    const words = { textQueued: text.stepsQueued, textAlready: text.already, textRefused: text.refused, textFailed: text.failed };
    opening = [say(words[context.notice])];
  } else if (context.notice === 'callerNumberUnfit' || context.notice === 'keyedNumberUnfit') {
    const callback = flow.system.callback;
    opening = [say(context.notice === 'callerNumberUnfit' ? callback.callerUnfit : callback.keyedUnfit)];
  } else if (state === SYSTEM.dialFailed) {
    opening = [say(dialProblem)];
  } else if (state === SYSTEM.deskClosed) {
    // The reference is said where each choice ends (the callback booked, the desk's number, the text sent), as
    // after a failed dial: not twice. An opening that ends with "a.m." keeps one full stop.
    opening = [say(flow.system.deskClosed, { opens: speaking.closed?.opens ?? 'later' }).replace(/\.\./g, '.')];
  } else {
    const greeting = spoken && flow.speech !== undefined ? flow.speech.greeting : flow.greeting;
    const lead = context.notice === 'greeting' ? [say(greeting)] : context.notice === 'flowChanged' ? [say(flow.system.flowChanged)] : [];
    // "I'll wait" once the caller knows what to do; not after steps that say to wait ("Wait a few minutes, …").
    const steps =
      node?.type === 'instructions'
        ? [say(node.say), ...(/\bwait\b/i.test(node.say) ? [] : [say(p.willWait)])]
        : node === undefined
          ? []
          : [say(node.say)];
    opening = [...lead, ...aside, ...steps];
  }
  const ask: Prompt = { kind: 'ask', node: state, say: [...opening, ...keys, ...globals], patient: node?.type === 'instructions' };
  if (node?.type === 'instructions' && node.wait !== undefined) ask.waitSeconds = node.wait.seconds;
  if (state === SYSTEM.callbackKeyed) ask.digits = CALLBACK_DIGITS;
  return ask;
}
