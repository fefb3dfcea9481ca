import { z } from 'zod';
import { e164 } from '../../common/phone';

/** A callback a caller asked for, as the desk works it. */
export const callbackRecord = z.object({
  /** The call that asked for it: one callback per call (a retried webhook finds it there already). */
  id: z.string(),
  reference: z.string(),
  /** Why the caller needed the desk, as the whisper would have said it. */
  reason: z.string(),
  /** What the caller told the line. */
  told: z.array(z.string()),
  /** The number to call, E.164. */
  number: e164,
  /** Whether the number is the one the caller called from, or one they keyed in. */
  numberFrom: z.enum(['calling', 'keyed']),
  askedAt: z.number(),
  status: z.enum(['open', 'claimed', 'done', 'not-reached']),
  claimedBy: z.string().nullable(),
  closedAt: z.number().nullable(),
});
export type CallbackRecord = z.infer<typeof callbackRecord>;

/**
 * What a callback asked for must respect: one open callback per number (`numberKey` stands for the number, as a
 * keyed digest), and at most `hourlyLimit` callbacks asked in a clock hour on the whole line.
 */
export interface AskLimits {
  numberKey: string;
  hourlyLimit: number;
}

/** 'kept'; 'already' (this call asked before, or this attempt was withdrawn before its ask arrived); 'open' (another call's callback to the number is open); 'limit'. */
export type AskResult = 'kept' | 'already' | 'open' | 'limit';

/** 'withdrawn' (taken off the list now); 'held' (it stays: another attempt holds it, or an agent has it); 'absent'. */
export type WithdrawResult = 'withdrawn' | 'held' | 'absent';

export type ClaimResult = 'claimed' | 'taken' | 'gone';
export type CloseResult = 'closed' | 'not-yours' | 'gone';
export type CloseOutcome = 'done' | 'not-reached';

/** Parses a stored callback; null for anything that is not one. */
export function parseCallback(json: string | null | undefined): CallbackRecord | null {
  if (json === null || json === undefined) return null;
  try {
    const parsed = callbackRecord.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Where callbacks are kept: in Redis beside the calls (every instance sees the same list, and a restart loses
 * nothing), or in memory for a local run.
 *
 * Contract (test/store/callback-store.test.ts runs it against both):
 * - `ask` keeps a callback under its id for `retentionSeconds`, lists it as open and returns 'kept'; asked again with
 *   the same id it changes nothing and returns 'already' (a retried webhook creates one callback, never two). With
 *   `limits`, it keeps nothing and returns 'open' while another callback to the same number is open (or claimed),
 *   or 'limit' when the hour's callbacks reach the limit. Atomic across instances.
 * - `open` lists the callbacks not yet closed (open or claimed), oldest first.
 * - `claim` gives an open callback to one agent: 'claimed' for them (again for the same agent), 'taken' when another
 *   agent holds it or it is closed, 'gone' when there is none (expired). Atomic across instances.
 * - `close` marks a callback the agent holds done or not reached and takes it off the open list; 'not-yours' when
 *   the agent does not hold it.
 * - `expire` takes off the open list every callback asked before `before` (epoch ms) and returns how many: each is
 *   counted once, whichever instance runs it.
 * - `ask` is made by an `attempt` (one webhook turn's try; a retried webhook's turn is another attempt). Every attempt
 *   that finds the callback kept holds it too. `withdraw` lets go of an attempt's hold (the caller of that turn was
 *   not told it is booked): the callback leaves the open list, and `get` no longer finds it, once no attempt holds it
 *   and no agent has claimed it: 'withdrawn' when this call took it off, 'held' when it stays listed, 'absent' when
 *   none is listed (its ask has not arrived, or it was withdrawn before). In either order: an `ask` that arrives after its
 *   own attempt's `withdraw` (a slow store) changes nothing; another attempt's `ask` books it again.
 */
export interface CallbackStore {
  ask(callback: CallbackRecord, retentionSeconds: number, attempt?: string, limits?: AskLimits): Promise<AskResult>;
  withdraw(id: string, attempt: string, retentionSeconds: number): Promise<WithdrawResult>;
  open(): Promise<CallbackRecord[]>;
  get(id: string): Promise<CallbackRecord | null>;
  claim(id: string, agent: string): Promise<ClaimResult>;
  close(id: string, agent: string, outcome: CloseOutcome, at: number): Promise<CloseResult>;
  expire(before: number): Promise<number>;
}
