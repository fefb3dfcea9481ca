import { createHash } from 'node:crypto';
import { initialTransition } from 'xstate';
import { SYSTEM, type CompiledFlow } from './compile';
import type { ActionOutcome, CallContext, CallEvent } from './call-machine';
import { promptFor, type Prompt, type SpeakingContext } from './prompt';
import { pureTransition } from './pure-transition';
import { interpret, type Heard } from './understanding/speech';

/** The part of a call's xstate snapshot that is stored between webhooks. */
export interface PersistedCall {
  value: string;
  context: CallContext;
}

/** A stored call with the flow version it was saved on. */
export interface SavedCall {
  flowVersion: string;
  nodeVersion: string;
  call: PersistedCall;
}

/** One turn's result: the state to store and what to say. */
export interface Turn {
  call: PersistedCall;
  /** The hash of the call's node in this flow version, stored with it. */
  nodeVersion: string;
  prompt: Prompt;
  /** True when the call has reached a final state. */
  done: boolean;
  /** How the caller answered and what it matched, for the log line; set when a caller's answer was stepped. */
  heard?: Heard;
  /** The event as the machine took it (a spoken choice as its key); unset when the turn only said its prompt again. */
  stepped?: CallEvent;
}

/** A six-digit reference derived from the CallSid, so that every instance, and the fallback URL, agree on it. */
export function referenceFor(callSid: string): string {
  const n = createHash('sha256').update(callSid).digest().readUInt32BE(0) % 1_000_000;
  return n.toString().padStart(6, '0');
}

type Snapshot = ReturnType<CompiledFlow['machine']['resolveState']>;

/**
 * The xstate snapshot each call this process built came from. A call kept in memory between turns is stepped
 * from its snapshot as it is; only a call read from the store is resolved again from its value and context.
 */
const snapshots = new WeakMap<PersistedCall, Snapshot>();

function toTurn(compiled: CompiledFlow, snapshot: Snapshot, speaking: SpeakingContext): Turn {
  const value = String(snapshot.value);
  const call: PersistedCall = { value, context: snapshot.context };
  snapshots.set(call, snapshot);
  return {
    call,
    nodeVersion: compiled.nodeVersions[value] ?? '',
    prompt: promptFor(compiled, value, snapshot.context, speaking),
    done: snapshot.status === 'done',
  };
}

/**
 * Whether a stored call can go on where it is on this version of its flow: same version; or its node exists and
 * its keys lead where they did (transfers and ends have none, so a call waiting on the desk always goes on); or it
 * was already led back to the main menu once and is there (during a rolling deploy instances of both versions
 * answer the same call, and a changed main menu must not bounce it there on every turn).
 */
export function canResume(compiled: CompiledFlow, saved: SavedCall): boolean {
  const known = saved.call.value in compiled.nodeVersions;
  if (!known) return false;
  return (
    saved.flowVersion === compiled.version ||
    compiled.nodeVersions[saved.call.value] === saved.nodeVersion ||
    // Led back once already, and at the main menu: instances of two versions must not bounce it there.
    (saved.call.context.flowRestarted && saved.call.value === compiled.flow.start)
  );
}

function restore(compiled: CompiledFlow, saved: SavedCall) {
  const { call } = saved;
  if (canResume(compiled, saved)) {
    const known = snapshots.get(call);
    if (known !== undefined && known.machine === compiled.machine) return known;
    return compiled.machine.resolveState({ value: call.value, context: call.context });
  }
  // The flow changed under this call and its question is gone or different: start again at the main menu, and say why.
  const [fresh] = initialTransition(compiled.machine, { reference: call.context.reference });
  return compiled.machine.resolveState({
    value: fresh.value,
    context: {
      ...fresh.context,
      history: call.context.history,
      path: call.context.path,
      nodesLeft: call.context.nodesLeft,
      notice: 'flowChanged',
      flowRestarted: true,
    },
  });
}

/** The machine's initial snapshot, computed once per flow: only the reference differs from call to call. */
const initialSnapshots = new WeakMap<CompiledFlow, Snapshot>();

/** The first turn of a new call; `announced` when it begins with the desk's announcement. */
export function startCall(compiled: CompiledFlow, callSid: string, speaking: SpeakingContext, announced = false): Turn {
  let initial = initialSnapshots.get(compiled);
  if (initial === undefined) {
    initial = initialTransition(compiled.machine, { reference: '' })[0];
    initialSnapshots.set(compiled, initial);
  }
  const snapshot = compiled.machine.resolveState({
    value: initial.value,
    context: { ...initial.context, reference: referenceFor(callSid), ...(announced && { announced }) },
  });
  return toTurn(compiled, snapshot, speaking);
}

/** Applies one caller or network event to a stored call. Pure: no I/O, nothing run. */
export function advance(compiled: CompiledFlow, saved: SavedCall, event: CallEvent, speaking: SpeakingContext): Turn {
  // A key meant for a question the changed flow no longer has, or has changed, must not pick something else.
  if (!canResume(compiled, saved)) return replay(compiled, saved, speaking);
  const { call } = saved;
  const heard = interpret(compiled.flow, call.value, call.context, event, speaking.speech);
  let next = pureTransition(compiled.machine, restore(compiled, saved), heard.event);
  // Outside the desk's hours a transfer does not dial: the caller hears when it opens and what else they can do.
  if (speaking.closed !== undefined && compiled.transferStates.has(String(next.value)))
    next = pureTransition(compiled.machine, next, { type: 'CLOSED' });
  // A callback goes only to a number the desk may call: the caller's own is not offered, a keyed one is asked again.
  if (unfitCallbackNumber(String(next.value), next.context, speaking))
    next = pureTransition(compiled.machine, next, { type: 'NUMBER_UNFIT' });
  const turn = toTurn(compiled, next, speaking);
  return event.type === 'KEY' || event.type === 'SPEECH'
    ? { ...turn, heard: heard.heard, stepped: heard.event }
    : { ...turn, stepped: heard.event };
}

function unfitCallbackNumber(state: string, context: CallContext, speaking: SpeakingContext): boolean {
  const numbers = speaking.callbackNumbers;
  if (numbers === undefined) return false;
  if (state === SYSTEM.callbackNumber) return !numbers.caller();
  if (state === SYSTEM.callbackConfirm) return context.callbackNumber !== null && !numbers.keyed(context.callbackNumber);
  return false;
}

/** How a turn's pending action went (see CallContext.pending): the call moves on by it, in the same turn. */
export function settle(compiled: CompiledFlow, compiledTurn: Turn, outcome: ActionOutcome, speaking: SpeakingContext): Turn {
  const saved: SavedCall = { flowVersion: compiled.version, nodeVersion: compiledTurn.nodeVersion, call: compiledTurn.call };
  return advance(compiled, saved, { type: 'ACTION', outcome }, speaking);
}

/** What the call is saying now, without changing it: the answer to a repeated webhook. */
export function replay(compiled: CompiledFlow, saved: SavedCall, speaking: SpeakingContext): Turn {
  return toTurn(compiled, restore(compiled, saved), speaking);
}
