import { createHash } from 'node:crypto';
import { initialTransition, transition } from 'xstate';
import type { CompiledFlow } from '../flows/compile';
import type { CallContext, CallEvent } from './call-machine';
import { promptFor, type Prompt, type SpeakingContext } from './prompt';

/** The part of a call's xstate snapshot that is stored between webhooks. */
export interface PersistedCall {
  value: string;
  context: CallContext;
}

/** One turn's result: the state to store and what to say. */
export interface Turn {
  call: PersistedCall;
  prompt: Prompt;
  /** True when the call has reached a final state. */
  done: boolean;
}

/** A six-digit reference derived from the CallSid, so that every instance, and the fallback URL, agree on it. */
export function referenceFor(callSid: string): string {
  const n = createHash('sha256').update(callSid).digest().readUInt32BE(0) % 1_000_000;
  return n.toString().padStart(6, '0');
}

function toTurn(compiled: CompiledFlow, snapshot: ReturnType<CompiledFlow['machine']['resolveState']>, speaking: SpeakingContext): Turn {
  const value = String(snapshot.value);
  const call: PersistedCall = { value, context: snapshot.context };
  return { call, prompt: promptFor(compiled, value, snapshot.context, speaking), done: snapshot.status === 'done' };
}

/** Whether a stored call can be resumed on this version of its flow. */
export function isKnownState(compiled: CompiledFlow, call: PersistedCall): boolean {
  return typeof call.value === 'string' && call.value in (compiled.machine.config.states ?? {});
}

function restore(compiled: CompiledFlow, call: PersistedCall) {
  if (isKnownState(compiled, call)) return compiled.machine.resolveState({ value: call.value, context: call.context });
  // The flow changed under this call and its state is gone: start again at the main menu, and say why.
  const [fresh] = initialTransition(compiled.machine, { reference: call.context.reference });
  return compiled.machine.resolveState({
    value: fresh.value,
    context: { ...fresh.context, history: call.context.history, notice: 'flowChanged' },
  });
}

/** The first turn of a new call. */
export function startCall(compiled: CompiledFlow, callSid: string, speaking: SpeakingContext): Turn {
  const [snapshot] = initialTransition(compiled.machine, { reference: referenceFor(callSid) });
  return toTurn(compiled, snapshot, speaking);
}

/** Applies one caller or network event to a stored call. Pure: no I/O, nothing run. */
export function advance(compiled: CompiledFlow, call: PersistedCall, event: CallEvent, speaking: SpeakingContext): Turn {
  // A key meant for a question the changed flow no longer has must not pick something else: restart instead.
  if (!isKnownState(compiled, call)) return replay(compiled, call, speaking);
  const [next] = transition(compiled.machine, restore(compiled, call), event);
  return toTurn(compiled, next, speaking);
}

/** What the call is saying now, without changing it: the answer to a repeated webhook. */
export function replay(compiled: CompiledFlow, call: PersistedCall, speaking: SpeakingContext): Turn {
  return toTurn(compiled, restore(compiled, call), speaking);
}
