import type { ActionOutcome, PendingAction } from '../engine/call-machine';

/** What a caller asked the line to do for them during a turn: a callback, or a text message. */
export interface CallerRequest {
  callSid: string;
  /** The number the caller calls from, as Twilio sent it (From), when it did. */
  from: string | undefined;
  /** The number the caller called (To): the line's own, never texted or called back. */
  to?: string | undefined;
  reference: string;
  flowId: string;
  /** Why the caller needs the desk, as the agent would have heard it. */
  reason: string;
  /** What the caller told the line. */
  told: string[];
  pending: PendingAction;
  /** This turn's try, unique to it (a retried webhook's turn makes another): what `withdraw` lets go of. */
  attempt: string;
}

/**
 * Does what callers ask for, durably, before the turn answers: keeps a callback, or queues a text message (sent
 * later, never in the webhook's path). 'queued' only once it is kept; 'already' when this call asked for the same
 * before; 'refused' when it cannot be done (no number to use, the day's limit, no sender configured); 'failed' when a
 * fault stopped it (nothing kept or counted). `abandoned` is aborted when the turn stops waiting: what is done after
 * that is undone, since the caller hears it failed.
 */
export interface RequestHandler {
  perform(request: CallerRequest, abandoned?: AbortSignal): Promise<ActionOutcome>;
  /**
   * The turn that performed `request` did not tell its caller it was done (it answered "could not", or was rescued):
   * undoes what can be undone (a callback leaves the desk's list), in the background, even if `perform` has not
   * finished (a slow store). Never throws.
   */
  withdraw(request: CallerRequest): void;
}
