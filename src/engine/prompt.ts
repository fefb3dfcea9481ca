import { SYSTEM, type CompiledFlow } from './compile';
import type { FlowFile } from '../flows/schema';
import { fill, spokenCode, spokenPhoneNumber, tidy } from '../flows/text';
import type { CallContext } from './call-machine';

/** What the caller hears next, independent of how it is sent to the phone network. */
export type Prompt =
  /** Speak, then wait for one key; `patient` waits longer (self-service steps take time). */
  | { kind: 'ask'; node: string; say: string[]; patient: boolean }
  /** Speak, then warm-transfer to the desk; `whisper` is what the agent hears before the caller is connected. */
  | { kind: 'transfer'; node: string; say: string[]; whisper: string }
  /** Speak, then end the call. */
  | { kind: 'end'; node: string; say: string[] };

export interface SpeakingContext {
  /** The desk's number, E.164. */
  bsdNumber: string;
}

/** The whisper is read to an agent waiting to help: about half a minute at most. */
export const MAX_WHISPER_CHARS = 900;

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
 * The whisper: the reference, the reason, what the caller told the line (history; null when it is not known or
 * would add nothing), and the reference again for the agent's notes. The oldest notes give way when it is long.
 */
export function whisperFor(
  flow: FlowFile,
  context: { reference: string; history: string[] | null },
  reason: string,
  speaking: SpeakingContext,
): string {
  const say = speaker(context, speaking);
  const intro = say(flow.phrases.agentIntro);
  const core = [intro, say(reason)];
  let tried: string[] = [];
  if (context.history !== null && context.history.length === 0) tried = [say(flow.phrases.agentNothingTried)];
  else if (context.history !== null) {
    const notes = context.history.map((h) => `${tidy(h)}.`);
    const room = MAX_WHISPER_CHARS - [...core, intro, flow.phrases.agentTried].join(' ').length - notes.length;
    while (notes.length > 1 && notes.join(' ').length > room) notes.shift();
    tried = [`${say(flow.phrases.agentTried)} ${notes.join(' ')}`];
  }
  return [...core, ...tried, intro].join(' ').slice(0, MAX_WHISPER_CHARS * 2);
}

/** The transfer a state stands for: its words to the caller and its reason for the agent. */
function transferOf(flow: FlowFile, state: string): { say: string; reason: string } {
  if (state === SYSTEM.bsdRequest) return flow.system.bsdRequest;
  if (state === SYSTEM.keypadTrouble) return flow.system.keypadTrouble;
  if (state === SYSTEM.quiet) return flow.system.quiet;
  const node = flow.nodes[state];
  if (node?.type === 'transfer') return node;
  return flow.system.stateLost;
}

const TRANSFER_STATES = new Set<string>([SYSTEM.bsdRequest, SYSTEM.keypadTrouble, SYSTEM.quiet, SYSTEM.redial]);

/** The key choices of an interactive state, as spoken. */
function choices(flow: FlowFile, state: string, say: ReturnType<typeof speaker>): string[] {
  const p = flow.phrases;
  if (state === SYSTEM.dialFailed) return [say(flow.system.dialFailed.choices)];
  const node = flow.nodes[state];
  switch (node?.type) {
    case 'menu':
      return node.options.map((o) => say(p.option, { label: o.label, key: o.key }));
    case 'question':
      return [say(p.yes), say(p.no), ...(node.unsure === undefined ? [] : [say(p.unsure)])];
    case 'instructions':
      return [say(p.solved), say(p.repeatSteps), ...(node.more === undefined ? [] : [say(p.more, { label: node.more.label })])];
    default:
      return [];
  }
}

/** The keys that work everywhere, worded for where the caller is. */
function globalsFor(flow: FlowFile, state: string): string {
  if (state === flow.start) return flow.phrases.globalsAtStart;
  if (state === SYSTEM.dialFailed) return flow.phrases.globalsAtDeskRetry;
  if (flow.nodes[state]?.type === 'instructions') return flow.phrases.globalsAtSteps;
  return flow.phrases.globals;
}

/** The last sentence of a question or menu: what a reprompt asks again, without the preamble. */
function theQuestion(text: string): string {
  return text.split(/(?<=[.?!])\s+/).at(-1)!;
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
  const key = `${state}\n${context.notice}\n${context.dialProblem}\n${speaking.bsdNumber}`;
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
function asksForKey(flow: FlowFile, state: string): boolean {
  if (state === SYSTEM.dialFailed) return true;
  const type = flow.nodes[state]?.type;
  return type === 'menu' || type === 'question' || type === 'instructions';
}

/** What to say in `state`, composed from the flow's texts: promptFor without its memo. */
export function composePrompt(compiled: CompiledFlow, state: string, context: CallContext, speaking: SpeakingContext): Prompt {
  const { flow } = compiled;
  const say = speaker(context, speaking);
  const node = flow.nodes[state];

  if (state === SYSTEM.afterDesk) return { kind: 'end', node: state, say: [say(flow.system.afterDesk)] };
  if (state === SYSTEM.goodbye) return { kind: 'end', node: state, say: [say(flow.system.goodbye)] };
  if (node?.type === 'end') return { kind: 'end', node: state, say: [say(node.say)] };

  if (node?.type === 'transfer' || TRANSFER_STATES.has(state) || (node === undefined && state !== SYSTEM.dialFailed)) {
    const transferState = state === SYSTEM.redial ? (context.transfer ?? SYSTEM.bsdRequest) : state;
    const transfer = transferOf(flow, transferState);
    const opening = state === SYSTEM.redial ? [] : [say(transfer.say)];
    // "Went straight to the desk" is only true when the caller chose the desk.
    const history = context.history.length === 0 && transferState !== SYSTEM.bsdRequest ? null : context.history;
    return {
      kind: 'transfer',
      node: state,
      say: [...opening, say(flow.phrases.reference), say(flow.system.holdOn)],
      whisper: whisperFor(flow, { reference: context.reference, history }, transfer.reason, speaking),
    };
  }

  const keys = choices(flow, state, say);
  const globals = say(globalsFor(flow, state));
  const patient = node?.type === 'instructions';
  let opening: string[];
  if (context.notice === 'noInput' || context.notice === 'invalidKey') {
    const apology = say(context.notice === 'noInput' ? flow.phrases.noInput : flow.phrases.invalidKey);
    opening = node?.type === 'menu' || node?.type === 'question' ? [apology, say(theQuestion(node.say))] : [apology];
  } else if (context.notice === 'waiting') {
    opening = [say(flow.phrases.patience)];
  } else if (state === SYSTEM.dialFailed) {
    opening = [say(flow.system.dialFailed[context.dialProblem ?? 'failed'])];
  } else {
    const lead =
      context.notice === 'greeting' ? [say(flow.greeting)] : context.notice === 'flowChanged' ? [say(flow.system.flowChanged)] : [];
    opening = [...lead, ...(node === undefined ? [] : [say(node.say)])];
  }
  return { kind: 'ask', node: state, say: [...opening, ...keys, globals], patient };
}
