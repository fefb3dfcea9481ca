import { SYSTEM } from '../engine/compile';
import type { FlowRegistry } from '../engine/registry';
import { edgesOf } from '../flows/graph';
import type { FlowNode } from '../flows/schema';
import { fill, tidy } from '../flows/text';
import type { TransferCause } from '../turn/call-observer';

/**
 * What the desk page says of a transfer: its reason as the agent would have heard it, a short label for it, and the
 * path the call took through the flow (recorded by the call as it went: CallContext.path), in the flow's words.
 */

/** Labels of the transfers and states the line adds to every flow, and of the rescue path's. */
const LABELS: Record<string, string> = {
  [SYSTEM.bsdRequest]: 'asked for the desk (0)',
  [SYSTEM.keypadTrouble]: 'trouble with the keypad',
  [SYSTEM.quiet]: 'went quiet during the steps',
  [SYSTEM.redial]: 'the desk again',
  [SYSTEM.dialFailed]: 'the desk did not answer',
  [SYSTEM.deskUnavailable]: "the desk's number to call back",
  [SYSTEM.afterDesk]: 'talked with the desk',
  [SYSTEM.goodbye]: 'goodbye',
  'state-lost': 'the line lost its place',
  'unknown-flow': 'the line lost its place (flow changed)',
  'technical-problem': 'technical problem',
};

/** "mfa-reset-new-device" -> "mfa reset new device"; a system state or rescue by its label. */
export function labelOf(id: string): string {
  return LABELS[id] ?? id.replace(/-/g, ' ');
}

export interface Reason {
  /** The transfer's state, or the rescue's kind: the same for every call transferred for the same reason. */
  id: string;
  /** What the agent hears as the reason. */
  text: string;
}

const RESCUE_IDS = { stateLost: 'state-lost', technicalProblem: 'technical-problem', unknownFlow: 'unknown-flow' } as const;

/** Why the caller is being transferred, as the whisper says it. */
export function reasonFor(flows: FlowRegistry, cause: TransferCause, reference: string): Reason {
  const say = (template: string) => tidy(fill(template, { reference }));
  if (cause.kind === 'rescue') {
    const { system } = flows.entry.flow;
    return {
      id: RESCUE_IDS[cause.why],
      text: say(cause.why === 'technicalProblem' ? system.technicalProblem.reason : system.stateLost.reason),
    };
  }
  const flow = flows.get(cause.flowId)?.flow ?? flows.entry.flow;
  const { system } = flow;
  const node = flow.nodes[cause.state];
  if (cause.state === SYSTEM.bsdRequest) return { id: cause.state, text: say(system.bsdRequest.reason) };
  if (cause.state === SYSTEM.keypadTrouble) return { id: cause.state, text: say(system.keypadTrouble.reason) };
  if (cause.state === SYSTEM.quiet) return { id: cause.state, text: say(system.quiet.reason) };
  if (node?.type === 'transfer') return { id: cause.state, text: say(node.reason) };
  return { id: RESCUE_IDS.stateLost, text: say(system.stateLost.reason) };
}

/** How the desk's dial ended, as a step of the path says it (CallContext.path records DIAL outcomes by name). */
const DIAL_LEFT: Record<string, string> = {
  connected: 'the desk answered',
  busy: 'the desk was busy',
  noAnswer: 'nobody at the desk answered',
  failed: 'the dial failed',
};

/** Keys with the same meaning at every question, and at the line's own questions after a failed dial. */
const GLOBAL_LEFT: Record<string, string> = { '0': 'the desk', '*': 'hear it again', '9': 'main menu' };
const SYSTEM_LEFT: Record<string, Record<string, string>> = {
  [SYSTEM.dialFailed]: { '1': 'try the desk again', '2': 'end the call' },
  [SYSTEM.deskUnavailable]: {},
};

/** What a key did at `node`, in the flow's own words: "1: yes", "3: multi-factor authentication", "0: the desk". */
function keyWords(node: FlowNode | undefined, id: string, key: string): string {
  const edge = node === undefined ? undefined : edgesOf(node).find((e) => e.key === key);
  if (edge !== undefined) return `${key}: ${edge.label === 'unsure' ? 'not sure' : edge.label}`;
  if (node?.type === 'instructions' && key === '2') return '2: hear the steps again';
  const words = SYSTEM_LEFT[id]?.[key] ?? GLOBAL_LEFT[key];
  return words === undefined ? `pressed ${key}` : `${key}: ${words}`;
}

/** One step of a call's path as the page shows it: the node, and how the caller left it (null: the call is there). */
export interface PathStep {
  node: string;
  label: string;
  left: string | null;
}

/**
 * A call's path (CallContext.path, then the node it is at) as the page shows it, labelled from its flow: each step
 * "node:how" says the key that left it ("pressed 3: ..."), "timeout" (no key), or how the desk's dial ended. A step
 * without ":" is where the call is, or a path recorded before steps said how they were left.
 */
export function pathSteps(flows: FlowRegistry, flowId: string | undefined, path: readonly string[]): PathStep[] {
  const flow = (flowId === undefined ? undefined : flows.get(flowId)?.flow) ?? flows.entry.flow;
  return path.map((step) => {
    const colon = step.indexOf(':');
    const node = colon < 0 ? step : step.slice(0, colon);
    const how = colon < 0 ? null : step.slice(colon + 1);
    const label = node === SYSTEM.bsdRequest ? 'the desk (0)' : labelOf(node);
    let left: string | null = null;
    if (how === 'timeout') left = 'no key, timed out';
    else if (how === 'key') left = 'a key that is not a choice';
    else if (how !== null && how in DIAL_LEFT) left = DIAL_LEFT[how]!;
    else if (how !== null) left = keyWords(flow.nodes[node], node, how);
    return { node, label, left };
  });
}
