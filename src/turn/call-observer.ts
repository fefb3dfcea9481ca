import { SYSTEM, type CompiledFlow } from '../engine/compile';
import type { Turn } from '../engine/step';
import type { CallSummary } from '../store/session-store';
import type { DialStatus } from '../telephony/params';

/** Why a caller is being transferred: a transfer of the flow, or the rescue path's. */
export type TransferCause =
  /** `state` is the flow's transfer (for a redial, the one it repeats). */
  | { kind: 'flow'; flowId: string; state: string; redial: boolean }
  /**
   * The call's state was lost or unreadable, its flow is gone, or the line had a fault: no flow state to go on.
   * `redial`: the rescue dials the desk again, at the caller's request.
   */
  | { kind: 'rescue'; why: 'stateLost' | 'technicalProblem' | 'unknownFlow'; redial?: boolean };

/** What a turn knows of a transfer it has just started. */
export interface TransferFacts {
  cause: TransferCause;
  /** What the caller told the line, as the whisper has it; null when it is not known. */
  history: string[] | null;
  /**
   * The path the call took, as its context records it (see CallContext.path): the steps it left, then the node the
   * transfer starts at; null when it is not known.
   */
  path: string[] | null;
}

export interface TransferStart extends TransferFacts {
  callSid: string;
  /** The caller's number as Twilio sent it (From), when it did. */
  from: string | undefined;
}

export interface DialEnd {
  callSid: string;
  status: DialStatus;
}

export interface CallEnd {
  callSid: string;
  /** What the store kept of the call; null when nothing was known of it. */
  summary: CallSummary | null;
}

/** What a caller asked the desk to do later (a callback, a text message), and how it went so far. */
export interface FollowUp {
  callSid: string;
  /** One per request in a call, kept through its states: 'callback', 'text:desk', 'text:steps:password'. */
  id: string;
  kind: 'callback' | 'text';
  /**
   * callback: booked, or failed (not kept); text: asked (queued), sent (Twilio took it), delivered, failed (Twilio
   * or the carrier refused it, or it could not be queued), refused (not sent: a limit, no number), unknown (Twilio
   * may have taken it: its answer never came).
   */
  state: 'booked' | 'asked' | 'sent' | 'delivered' | 'failed' | 'refused' | 'unknown';
  /** Twilio's error code for a text that failed (30003–30008 from the carrier, 21xxx from the API). */
  code?: number;
}

/**
 * Told, after the answer has gone to Twilio, when a transfer to the desk starts, when the desk's dial ends and when a
 * call ends. It must not throw nor keep the webhook waiting: whatever it does with these happens on its own time.
 */
export interface CallObserver {
  transferStarted(transfer: TransferStart): void;
  dialEnded(dial: DialEnd): void;
  callEnded(end: CallEnd): void;
  /** A follow-up the caller asked for changed (may come from any instance's worker, long after the turn). */
  followUp?(followUp: FollowUp): void;
}

/** The transfer a turn of `compiled` starts, or undefined when its prompt is not a transfer. */
export function flowTransfer(compiled: CompiledFlow, turn: Turn): TransferFacts | undefined {
  if (turn.prompt.kind !== 'transfer') return undefined;
  const { value, context } = turn.call;
  const redial = value === SYSTEM.redial;
  return {
    cause: { kind: 'flow', flowId: compiled.flow.id, state: redial ? (context.transfer ?? SYSTEM.bsdRequest) : value, redial },
    history: context.history,
    path: [...context.path, value],
  };
}

export function rescueTransfer(
  why: 'stateLost' | 'technicalProblem' | 'unknownFlow',
  history: string[] | null,
  redial = false,
): TransferFacts {
  return { cause: { kind: 'rescue', why, ...(redial && { redial }) }, history, path: null };
}
