import { SYSTEM } from '../../engine/compile';
import type { CallSummary } from '../../store/session-store';

/** What a caller who met the closed desk did then: booked a callback, had the desk's details texted, or ended. */
export type ClosedFollowUp = 'callback' | 'text' | 'ended';

/** The day's count and the metric's outcome for a call that met the closed desk. */
export type ClosedOutcome = `closed-${ClosedFollowUp}`;

export const CLOSED_OUTCOMES: readonly ClosedOutcome[] = ['closed-callback', 'closed-text', 'closed-ended'];

/**
 * How a call that heard "the desk is closed" ended (its summary's `closedDesk`; in older summaries, from the path
 * it keeps, which holds only the last steps); null for a call that never did. A callback booked counts before a
 * text, and either before an end.
 */
export function closedDeskOutcome(summary: Pick<CallSummary, 'path' | 'lastNode' | 'closedDesk'>): ClosedOutcome | null {
  const nodes = (summary.path ?? [summary.lastNode]).map((step) => step.split(':')[0]);
  if (!(summary.closedDesk ?? nodes.includes(SYSTEM.deskClosed))) return null;
  if (nodes.includes(SYSTEM.callbackBooked)) return 'closed-callback';
  if (nodes.includes(SYSTEM.textQueued)) return 'closed-text';
  return 'closed-ended';
}
