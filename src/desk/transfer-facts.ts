import { SYSTEM } from '../engine/compile';
import type { FlowRegistry } from '../engine/registry';
import { edgesOf } from '../flows/graph';
import type { FlowFile, FlowNode } from '../flows/schema';
import { fill, tidy } from '../flows/text';
import type { TransferCause } from '../turn/call-observer';

/**
 * What the desk page says of a transfer: its reason as the agent would have heard it, a short label for it, and the
 * path the caller took through the flow, rebuilt from what the caller told the line.
 */

/** Labels of the transfers and states the line adds to every flow, and of the rescue path's. */
const LABELS: Record<string, string> = {
  [SYSTEM.bsdRequest]: 'asked for the desk (0)',
  [SYSTEM.keypadTrouble]: 'trouble with the keypad',
  [SYSTEM.quiet]: 'went quiet during the steps',
  [SYSTEM.redial]: 'the desk again',
  [SYSTEM.dialFailed]: 'the desk did not answer',
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

/** The note a key at `node` adds to the caller's history, as compile.ts records it; undefined when it adds none. */
function noteOf(node: FlowNode, edge: ReturnType<typeof edgesOf>[number]): string | undefined {
  if (node.type === 'menu') return `${node.note}: ${edge.label}`;
  if (node.type === 'question') return `${node.note}: ${edge.label === 'unsure' ? 'not sure' : edge.label}`;
  if (node.type === 'instructions' && edge.field === 'more.goto') return node.note;
  return undefined;
}

/** A note without how it was answered: "Problem: password (said password, confidence 0.91)" -> "Problem: password". */
export function withoutAnswer(note: string): string {
  return note.replace(/ \((?:pressed \S+|said [^()]*)\)$/, '');
}

/** The node whose key made `note`, and where that key led; the node `at` first, then the start, then any. */
function sourceOf(flow: FlowFile, note: string, at: string): { from: string; to: string } | undefined {
  const order = [at, flow.start, ...Object.keys(flow.nodes)];
  for (const id of order) {
    const node = flow.nodes[id];
    const edge = node === undefined ? undefined : edgesOf(node).find((e) => noteOf(node, e) === note);
    if (edge !== undefined) return { from: id, to: edge.to };
  }
  return undefined;
}

/** The shortest way from `from` to `to` through keys that add no note; undefined when there is none. */
function silentWay(flow: FlowFile, from: string, to: string): string[] | undefined {
  const previous = new Map<string, string>([[from, '']]);
  const queue = [from];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (id === to) {
      const way: string[] = [];
      for (let at = id; at !== from; at = previous.get(at)!) way.unshift(at);
      return way;
    }
    const node = flow.nodes[id];
    for (const edge of node === undefined ? [] : edgesOf(node))
      if (noteOf(node!, edge) === undefined && !previous.has(edge.to)) {
        previous.set(edge.to, id);
        queue.push(edge.to);
      }
  }
  return undefined;
}

/**
 * The nodes the caller went through, from the main menu to `end` (where the call is now), rebuilt from the notes the
 * caller's keys added: each note names the node and key that made it. A note that the node reached so far cannot
 * have made means the caller went back to the main menu (9), or that older notes were dropped: the path goes on
 * from the node that made it. Keys that add no note (hear again, solved) are filled in where they are the only way.
 */
export function pathThrough(flow: FlowFile, history: readonly string[], end: string): string[] {
  let at = flow.start;
  const path = [at];
  for (const noted of history) {
    const note = withoutAnswer(noted);
    const source = sourceOf(flow, note, at);
    if (source === undefined) continue;
    if (source.from !== at) path.push(source.from);
    path.push(source.to);
    at = source.to;
  }
  if (end !== at) path.push(...(silentWay(flow, at, end) ?? [end]));
  return path;
}
