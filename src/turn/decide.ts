import type { CallEvent } from '../engine/call-machine';
import { isEnded, type Found, type StoredSession } from '../store/session-store';

/** What one webhook turn knows when it decides. */
export interface TurnInput {
  /** What the store holds, once read in this turn; undefined before it is read. */
  stored: Found | undefined;
  /** The copy of the call this instance saved or read last, if it has one. */
  cached: StoredSession | undefined;
  /** The caller's or the network's event; null for the incoming-call webhook. */
  event: CallEvent | null;
  /** The `t` of the request: the session version its prompt was made at; null for the incoming call. */
  t: number | null;
  /** Whether this instance knows a flow by that id (a flow removed in a deploy is not). */
  knownFlow: (flowId: string) => boolean;
}

/** What the turn does next. */
export type Decision =
  /** A new call: save its first state as version 1. */
  | { do: 'start' }
  /** Read the store first. */
  | { do: 'load' }
  /** Step `from` with the event and save it with compare-and-set on its version. */
  | { do: 'advance'; from: StoredSession }
  /** Say again what `from` says, without changing the call: a repeated request or a stale key press. */
  | { do: 'replay'; from: StoredSession }
  /**
   * The store lost the call, or holds an older copy of it than this instance (a Redis that restarted empty, and
   * another instance that put back what it had): put `from` back at a version above both, stepping it with the
   * event when the request answers `from`'s prompt.
   */
  | { do: 'restore'; from: StoredSession; step: boolean; over: number }
  /** The call has ended (its status callback came): nothing starts it again. */
  | { do: 'ended' }
  /** The desk's conversation ended normally and the call's state is gone: thank the caller and say goodbye. */
  | { do: 'afterDesk' }
  /** Nothing to go on: transfer the caller to the desk, with what is known. */
  | { do: 'rescue'; why: 'state-lost' | 'unknown-flow'; history: string[] | null };

const deskDone = (event: CallEvent | null) => event?.type === 'DIAL' && event.outcome === 'connected';

/**
 * The heart of a webhook turn, without any input or output: from what the store holds, what this instance
 * remembers, the event and the request's `t`, what to do next. The loop in call-turns.ts carries it out and
 * asks again after a compare-and-set it lost.
 */
export function decide({ stored, cached, event, t, knownFlow }: TurnInput): Decision {
  const usable = cached !== undefined && knownFlow(cached.record.flowId) ? cached : undefined;
  if (event === null) {
    // The incoming-call webhook: a new call, unless the store says it has begun (a repeat) or ended.
    if (stored === undefined || stored === null) return { do: 'start' };
    if (isEnded(stored)) return { do: 'ended' };
    return { do: 'replay', from: stored };
  }
  if (stored === undefined) {
    // The copy this instance saved last answers the prompt: one round trip, a compare-and-set on its version.
    return usable !== undefined && t === usable.version ? { do: 'advance', from: usable } : { do: 'load' };
  }
  if (isEnded(stored)) return { do: 'ended' };
  if (stored === null) {
    if (usable !== undefined) return { do: 'restore', from: usable, step: t === usable.version, over: 0 };
    if (deskDone(event)) return { do: 'afterDesk' };
    return { do: 'rescue', why: 'state-lost', history: null };
  }
  // Versions only grow over a call's life: a stored version below this instance's copy is an older copy put back.
  if (usable !== undefined && usable.version > stored.version)
    return { do: 'restore', from: usable, step: t === usable.version, over: stored.version };
  if (!knownFlow(stored.record.flowId)) {
    if (deskDone(event)) return { do: 'afterDesk' };
    return { do: 'rescue', why: 'unknown-flow', history: stored.record.call.context.history };
  }
  return t === stored.version ? { do: 'advance', from: stored } : { do: 'replay', from: stored };
}
