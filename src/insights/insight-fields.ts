import type { CallContext, CallEvent } from '../engine/call-machine';
import { SYSTEM, type CompiledFlow } from '../engine/compile';
import type { Heard } from '../engine/understanding/speech';
import type { FlowFile } from '../flows/schema';
import { GLOBAL_KEYS } from '../flows/schema';
import { edgesOf } from '../flows/graph';

/*
 * What the flow's insights count, as the fields of one day's counts. Only counts: no caller number, reference, key
 * sequence or word said ever goes into a field, only a node's id, a single key, a flow version and what happened.
 *
 *   calls                         calls that began
 *   version|<flow version>        calls that began on that version of the flow
 *   reached|<node>                calls that reached the node (once per call, however often they came back)
 *   choice|<node>|<key>|key       a choice taken at the node by its key ("number" for a keyed phone number)
 *   choice|<node>|<key>|voice     the same choice, said
 *   wrong|<node>                  a key that is no choice there
 *   notUnderstood|<node>          a spoken answer that named no choice, or was misheard ("no" to "Did you say…?")
 *   silence|<node>                no answer (a reprompt, or a wait at steps)
 *   deskAsked|<node>|key|voice    the caller asked for the desk there: 0, or said so
 *   toDesk|<node>                 the call went on from there to a transfer (asked, chosen, or after failures)
 *   solved|<node>                 the caller said it was solved there
 *   hungUp|<node>                 the call ended there, neither solved nor with the desk
 *   rescued                       a fault of the line (a store not answering, a call's state lost) sent a caller
 *                                 to the desk, with nothing of the flow to go on
 *   ended|solved|desk|hungUp      how calls ended: solved by self-service, ended at the desk (or its closed
 *                                 choices), hung up mid-way
 */

/** A field's own grammar: what the stores accept, so that nothing else is ever kept under the insights' keys. */
export const FIELD =
  /^(calls|rescued|version\|[\w.-]{1,64}|(reached|wrong|notUnderstood|silence|toDesk|solved|hungUp)\|[\w-]{1,64}|choice\|[\w-]{1,64}\|([0-9*#]|number)\|(key|voice)|deskAsked\|[\w-]{1,64}\|(key|voice)|ended\|(solved|desk|hungUp))$/;

/** How a call ended, for containment. */
export type Ending = 'solved' | 'desk' | 'hungUp';

/** The fields of a call's first turn, at the flow's start node. */
export function startFields(compiled: CompiledFlow, node: string): string[] {
  return ['calls', `version|${compiled.version}`, `reached|${node}`];
}

/** A key as a field names it: one key, or "number" for the digits of a phone number (never the digits). */
const keyOf = (key: string) => (/^[0-9*#]$/.test(key) ? key : 'number');

/** Whether `key` does something at flow node `node` (its choices, 0, * and 9, and at steps 2 and 8). */
function offers(flow: FlowFile, node: string, key: string): boolean {
  const n = flow.nodes[node];
  if (n === undefined) return true; // the line's own steps: a wrong key there shows as the notice below
  if (key === GLOBAL_KEYS.bsd || key === GLOBAL_KEYS.repeat || key === GLOBAL_KEYS.mainMenu) return true;
  if (n.type === 'instructions' && (key === '2' || key === '8')) return true;
  return edgesOf(n).some((e) => e.key === key);
}

/** Where a call is, before and after a turn: its state and context. */
export interface Place {
  value: string;
  context: Pick<CallContext, 'path' | 'nodesLeft' | 'notice' | 'transfer'>;
}

/** What the caller did at a turn: their event as the machine took it (a spoken choice as its key), and how. */
export interface Answer {
  stepped: CallEvent;
  heard: Heard;
}

/** The caller's answer in a turn stepped on `event`: undefined for what is not the caller's (a dial's end). */
export function answerOf(event: CallEvent, turn: { stepped?: CallEvent; heard?: Heard }): Answer | undefined {
  // Not stepped: the flow changed under the call, which hears its main menu again; nothing was answered.
  if (turn.stepped === undefined) return undefined;
  if (turn.heard !== undefined) return { stepped: turn.stepped, heard: turn.heard };
  return event.type === 'SILENCE' ? { stepped: event, heard: { mode: 'none', option: null } } : undefined;
}

/**
 * The fields of a turn that stepped a call from `from` to `to`. `answer` is the caller's (a key, speech or silence);
 * undefined for a dial's end.
 */
export function turnFields(compiled: CompiledFlow, from: Place, to: Place, answer: Answer | undefined): string[] {
  const at = from.value;
  const fields: string[] = [];
  if (answer !== undefined) {
    const { stepped, heard } = answer;
    if (stepped.type === 'SILENCE') fields.push(`silence|${at}`);
    // Named nothing, or misheard: the caller said no to "Did you say password?".
    else if (heard.match === 'unknown' || heard.match === 'refused') fields.push(`notUnderstood|${at}`);
    else if (stepped.type === 'KEY') {
      // Said: a choice heard in speech, or confirmed after it was heard ("Did you say password?" "Yes").
      const how = stepped.said !== undefined || heard.mode === 'speech' ? 'voice' : 'key';
      const key = keyOf(stepped.key);
      if (key === GLOBAL_KEYS.bsd) fields.push(`deskAsked|${at}|${how}`);
      else if (to.context.notice === 'invalidKey' || !offers(compiled.flow, at, key)) fields.push(`wrong|${at}`);
      else fields.push(`choice|${at}|${key}|${how}`);
    }
  }
  if (to.value !== at) {
    // Its path is cut to the last steps; `nodesLeft` is not (a call saved before it existed has only its path).
    const firstTime = (node: string) =>
      !from.context.nodesLeft.includes(node) && !from.context.path.some((step) => step.startsWith(`${node}:`));
    // Outside the desk's hours a transfer turns into the closed desk's choices in the same turn: it was reached too.
    const passed =
      to.value === SYSTEM.deskClosed && to.context.transfer !== null && at !== to.context.transfer ? to.context.transfer : undefined;
    if (passed !== undefined && firstTime(passed)) fields.push(`reached|${passed}`);
    if (firstTime(to.value)) fields.push(`reached|${to.value}`);
    if (compiled.flow.nodes[to.value]?.type === 'end') fields.push(`solved|${at}`);
    if (isDesk(compiled, to.value) && !isDesk(compiled, at)) fields.push(`toDesk|${at}`);
  }
  return fields;
}

/**
 * A state where the caller is with the desk, on the way to it, at its closed choices, or told it did not answer: a
 * redial from there is not another way to the desk.
 */
function isDesk(compiled: CompiledFlow, state: string): boolean {
  return (
    compiled.transferStates.has(state) ||
    state === SYSTEM.deskClosed ||
    state === SYSTEM.redial ||
    state === SYSTEM.dialFailed ||
    state === SYSTEM.deskUnavailable
  );
}

/** How a call that ended at `value` ended. */
export function endingOf(flow: FlowFile | undefined, value: string, context: Pick<CallContext, 'transfer'>): Ending {
  if (flow?.nodes[value]?.type === 'end') return 'solved';
  return context.transfer !== null ? 'desk' : 'hungUp';
}

/** The fields of a call's end, where it ended. */
export function endFields(flow: FlowFile | undefined, value: string, context: Pick<CallContext, 'transfer'>): string[] {
  const ending = endingOf(flow, value, context);
  return ending === 'hungUp' ? [`ended|hungUp`, `hungUp|${value}`] : [`ended|${ending}`];
}
