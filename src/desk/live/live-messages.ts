import { z } from 'zod';

/** How the desk's dial ended, from Twilio's DialCallStatus. */
export const dialResult = z.enum(['answered', 'busy', 'no-answer', 'failed', 'canceled']);
export type DialResult = z.infer<typeof dialResult>;

export function dialResultOf(status: 'completed' | 'answered' | 'busy' | 'no-answer' | 'failed' | 'canceled'): DialResult {
  return status === 'completed' ? 'answered' : status;
}

const dial = z.object({ result: dialResult, at: z.string() });

/** A follow-up the caller asked for after (or before) the transfer, in its latest state (see FollowUp). */
export const followUpEntry = z.object({
  id: z.string().max(100),
  kind: z.enum(['callback', 'text']),
  state: z.enum(['booked', 'asked', 'sent', 'delivered', 'failed', 'refused', 'unknown']),
  /** When it reached this state, ISO 8601. */
  at: z.string(),
  code: z.number().int().optional(),
});
export type FollowUpEntry = z.infer<typeof followUpEntry>;

/** One transfer as the desk page shows it: a call's latest transfer, and how the desk's dial for it ended. */
export const transferCard = z.object({
  callSid: z.string(),
  reference: z.string(),
  /** When the transfer started, ISO 8601. */
  at: z.string(),
  reasonId: z.string(),
  reason: z.string(),
  /** What the caller told the line; null when the line does not know (a rescue). */
  notes: z.array(z.string()).nullable(),
  /**
   * The path the call took (CallContext.path: "node:how" for each node it left), ending with the node the transfer
   * started at; empty when the line does not know it (a rescue).
   */
  path: z.array(z.string()),
  /** The flow the path is on, for its labels; absent on cards made before it was recorded. */
  flowId: z.string().optional(),
  /** The caller's number in full: the agent may need to call back. */
  from: z.string().nullable(),
  /** 1 for the first transfer of the call, 2 for a redial, and so on. */
  attempt: z.number().int().min(1),
  /** How the latest dial ended; null while it rings. */
  dial: dial.nullable(),
  /** What the caller asked for besides (a callback, a text), each in its latest state; absent when nothing. */
  followUps: z.array(followUpEntry).optional(),
});
export type TransferCard = z.infer<typeof transferCard>;

/** What instances tell each other's open desk pages, and what a day's list keeps (transfers and dials). */
export const liveMessage = z.discriminatedUnion('type', [
  /** As published, `attempt` is the call's transfer attempt as the store counted it (the stored card says 1). */
  z.object({ type: z.literal('transfer'), card: transferCard, attempt: z.number().int().min(1).optional() }),
  z.object({ type: z.literal('dial'), callSid: z.string(), dial }),
  /** A follow-up changed: it goes on the call's card (replacing its earlier state). */
  z.object({ type: z.literal('follow-up'), callSid: z.string(), followUp: followUpEntry }),
  z.object({ type: z.literal('outcomes'), day: z.string(), counts: z.record(z.string(), z.number()) }),
  /** A sign-in ended: pages open with it close, on every instance. `session` is the sign-in's id (a hash). */
  z.object({ type: z.literal('signed-out'), session: z.string() }),
  /**
   * A callback changed (asked, claimed, closed: `id`), or several may have (expired: no `id`). Pages get that
   * callback's card again, or its removal; without `id`, the open list again.
   */
  z.object({ type: z.literal('callbacks'), id: z.string().optional() }),
  /** The announcement to callers was turned on or off (src/desk/announcement): each page says so. */
  z.object({ type: z.literal('announcement'), action: z.enum(['on', 'off']), by: z.string() }),
]);
export type LiveMessage = z.infer<typeof liveMessage>;

/** A message as published or stored; null for anything that is not one. */
export function parseMessage(text: string): LiveMessage | null {
  try {
    const parsed = liveMessage.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** `entries` with `entry` in place of the earlier state of the same follow-up, or added at the end. */
export function withFollowUp(entries: readonly FollowUpEntry[] | undefined, entry: FollowUpEntry): FollowUpEntry[] {
  const list = [...(entries ?? [])];
  const at = list.findIndex((e) => e.id === entry.id);
  if (at >= 0) list[at] = entry;
  else list.push(entry);
  return list;
}

/**
 * A day's events (newest first, as stored) folded into one card per call, the most recent transfer first: a later
 * transfer of a call replaces its card and counts as another attempt; a dial's outcome goes on the card it ended; a
 * follow-up goes on its call's card (one asked for before the transfer too), in its latest state.
 */
export function foldDay(events: readonly string[]): TransferCard[] {
  const cards = new Map<string, TransferCard>();
  const early = new Map<string, FollowUpEntry[]>();
  for (let i = events.length - 1; i >= 0; i--) {
    const message = parseMessage(events[i]!);
    if (message?.type === 'transfer') {
      const before = cards.get(message.card.callSid);
      cards.delete(message.card.callSid);
      const followUps = before?.followUps ?? early.get(message.card.callSid);
      cards.set(message.card.callSid, {
        ...message.card,
        attempt: (before?.attempt ?? 0) + 1,
        dial: null,
        ...(followUps !== undefined && { followUps }),
      });
    } else if (message?.type === 'dial') {
      const card = cards.get(message.callSid);
      if (card !== undefined) card.dial = message.dial;
    } else if (message?.type === 'follow-up') {
      const card = cards.get(message.callSid);
      if (card !== undefined) card.followUps = withFollowUp(card.followUps, message.followUp);
      else early.set(message.callSid, withFollowUp(early.get(message.callSid), message.followUp));
    }
  }
  return [...cards.values()].reverse();
}
