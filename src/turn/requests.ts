import type { ActionOutcome, PendingAction } from '../engine/call-machine';

/** What a caller asked the line to do for them during a turn: a callback, or a text message. */
export interface CallerRequest {
  callSid: string;
  /** The number the caller calls from, as Twilio sent it (From), when it did. */
  from: string | undefined;
  reference: string;
  flowId: string;
  /** Why the caller needs the desk, as the agent would have heard it. */
  reason: string;
  /** What the caller told the line. */
  told: string[];
  pending: PendingAction;
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
}
