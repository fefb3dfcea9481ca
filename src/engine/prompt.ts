import { SYSTEM, type CompiledFlow } from '../flows/compile';
import type { FlowFile } from '../flows/schema';
import { fill, spokenCode, spokenPhoneNumber, tidy } from '../flows/text';
import type { CallContext } from './call-machine';

/** What the caller hears next, independent of how it is sent to the phone network. */
export type Prompt =
  /** Speak, then wait for one key. */
  | { kind: 'ask'; node: string; say: string[] }
  /** Speak, then warm-transfer to the desk; `whisper` is what the agent hears before the caller is connected. */
  | { kind: 'transfer'; node: string; say: string[]; whisper: string }
  /** Speak, then end the call. */
  | { kind: 'end'; node: string; say: string[] };

export interface SpeakingContext {
  /** The desk's number, E.164. */
  bsdNumber: string;
}

function speaker(flow: FlowFile, context: Pick<CallContext, 'reference'>, speaking: SpeakingContext) {
  const values = { reference: spokenCode(context.reference), bsdNumber: spokenPhoneNumber(speaking.bsdNumber) };
  return (template: string, extra: Record<string, string> = {}) => tidy(fill(template, { ...values, ...extra }));
}

/**
 * The whisper: the reference, the reason, what the caller told the line (history; null when it is not known),
 * and the reference again for the agent's notes.
 */
export function whisperFor(
  flow: FlowFile,
  context: { reference: string; history: string[] | null },
  reason: string,
  speaking: SpeakingContext,
): string {
  const say = speaker(flow, context, speaking);
  const tried =
    context.history === null
      ? []
      : context.history.length === 0
        ? [say(flow.phrases.agentNothingTried)]
        : [`${say(flow.phrases.agentTried)} ${context.history.map((h) => `${tidy(h)}.`).join(' ')}`];
  return [say(flow.phrases.agentIntro), say(reason), ...tried, say(flow.phrases.agentIntro)].join(' ');
}

/** The transfer a state stands for: its words to the caller and its reason for the agent. */
function transferOf(flow: FlowFile, state: string): { say: string; reason: string } {
  if (state === SYSTEM.bsdRequest) return flow.system.bsdRequest;
  if (state === SYSTEM.keypadTrouble) return flow.system.keypadTrouble;
  const node = flow.nodes[state];
  if (node?.type === 'transfer') return node;
  return flow.system.stateLost;
}

/** The key choices of an interactive state, as spoken. */
function choices(flow: FlowFile, state: string, context: CallContext, say: ReturnType<typeof speaker>): string[] {
  const p = flow.phrases;
  if (state === SYSTEM.dialFailed) return [say(flow.system.dialFailed.choices)];
  const node = flow.nodes[state];
  switch (node?.type) {
    case 'menu':
      return node.options.map((o) => say(p.option, { label: tidy(o.label), key: o.key }));
    case 'question':
      return [say(p.yes), say(p.no), ...(node.unsure === undefined ? [] : [say(p.unsure)])];
    case 'instructions':
      return [say(p.solved), say(p.repeatSteps), ...(node.more === undefined ? [] : [say(p.more, { label: tidy(node.more.label) })])];
    default:
      return [];
  }
}

/** What to say in `state`: a pure function of the flow, the state and its context. */
export function promptFor(compiled: CompiledFlow, state: string, context: CallContext, speaking: SpeakingContext): Prompt {
  const { flow } = compiled;
  const say = speaker(flow, context, speaking);
  const node = flow.nodes[state];

  if (state === SYSTEM.afterDesk) return { kind: 'end', node: state, say: [say(flow.system.afterDesk)] };
  if (state === SYSTEM.goodbye) return { kind: 'end', node: state, say: [say(flow.system.goodbye)] };
  if (node?.type === 'end') return { kind: 'end', node: state, say: [say(node.say)] };

  if (node === undefined && !Object.values(SYSTEM).includes(state as never)) {
    const lost = flow.system.stateLost;
    return {
      kind: 'transfer',
      node: state,
      say: [say(lost.say), say(flow.phrases.reference), say(flow.system.holdOn)],
      whisper: whisperFor(flow, context, lost.reason, speaking),
    };
  }

  const transferState = state === SYSTEM.redial ? (context.transfer ?? SYSTEM.bsdRequest) : state;
  if (node?.type === 'transfer' || state === SYSTEM.bsdRequest || state === SYSTEM.keypadTrouble || state === SYSTEM.redial) {
    const transfer = transferOf(flow, transferState);
    const opening = state === SYSTEM.redial ? [] : [say(transfer.say)];
    return {
      kind: 'transfer',
      node: state,
      say: [...opening, say(flow.phrases.reference), say(flow.system.holdOn)],
      whisper: whisperFor(flow, context, transfer.reason, speaking),
    };
  }

  const keys = choices(flow, state, context, say);
  const globals = say(state === flow.start ? flow.phrases.globalsAtStart : flow.phrases.globals);
  let opening: string[];
  if (state === SYSTEM.dialFailed) {
    const problem = context.dialProblem ?? 'failed';
    opening = context.notice === 'noInput' ? [say(flow.phrases.noInput)] : context.notice === 'invalidKey' ? [say(flow.phrases.invalidKey)] : [say(flow.system.dialFailed[problem])];
  } else if (context.notice === 'noInput') {
    opening = [say(flow.phrases.noInput)];
  } else if (context.notice === 'invalidKey') {
    opening = [say(flow.phrases.invalidKey)];
  } else {
    const lead = context.notice === 'greeting' ? [say(flow.greeting)] : context.notice === 'flowChanged' ? [say(flow.system.flowChanged)] : [];
    opening = [...lead, ...(node === undefined ? [] : [say(node.say)])];
  }
  return { kind: 'ask', node: state, say: [...opening, ...keys, globals] };
}
