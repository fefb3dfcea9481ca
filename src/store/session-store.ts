import { z } from 'zod';
import { callContext } from '../engine/call-machine';

/** What is kept for one live call: its xstate state and context, and the flow version they belong to. */
export const sessionRecord = z.object({
  flowId: z.string(),
  flowVersion: z.string(),
  /** The hash of the call's current node in that version (see CompiledFlow.nodeVersions). */
  nodeVersion: z.string().default(''),
  call: z.object({ value: z.string(), context: callContext }),
});
export type SessionRecord = z.infer<typeof sessionRecord>;

/** What is kept, for a while, after a call ends: enough to answer "what happened on reference 482913?". */
export const callSummary = z.object({
  reference: z.string(),
  flowId: z.string(),
  flowVersion: z.string(),
  lastNode: z.string(),
  history: z.array(z.string()),
  callStatus: z.string(),
  durationSeconds: z.number().int().min(0).nullable(),
  endedAt: z.string(),
  /** The transfer the call made or last tried (its state), null when it made none; absent in older summaries. */
  transfer: z.string().nullable().optional(),
  /**
   * Why the caller needed the desk, as the agent would have heard it, for that transfer: kept also when the desk was
   * closed and nothing was dialled. Absent without a transfer, and in older summaries.
   */
  reason: z.string().optional(),
  /** The path the call took (see CallContext.path), ending where it ended; absent in older summaries. */
  path: z.array(z.string()).optional(),
  /** True when the caller heard the desk is closed (CallContext.metClosedDesk); absent in older summaries. */
  closedDesk: z.boolean().optional(),
});
export type CallSummary = z.infer<typeof callSummary>;

export interface StoredSession {
  /**
   * Counts the saves of this call; the next save must name it. Versions only grow over a call's life, also when
   * a copy is put back after the store lost it (see `restore`), so an older copy never passes for a newer one.
   */
  version: number;
  record: SessionRecord;
}

/** A call whose status callback ended it: it stays ended, and its summary is kept while `summaryTtlSeconds` runs. */
export interface EndedCall {
  ended: true;
  summary: CallSummary | null;
}

/** What `load` finds: the live call, a call that has ended, or nothing (never saved, expired, lost). */
export type Found = StoredSession | EndedCall | null;

export function isEnded(found: Found | undefined): found is EndedCall {
  return found !== null && found !== undefined && 'ended' in found;
}

/** How long what `end` leaves is kept. */
export interface Retention {
  /** The call's summary; 0 keeps none. */
  summaryTtlSeconds: number;
  /** The mark that the call has ended: as long as its state could otherwise live, so that it never comes back. */
  endedTtlSeconds: number;
}

/**
 * What `endAt` did: ended the call now, found it ended already (`already`: a repeated status callback, which
 * changes nothing), or found it at another version or gone (`current`), having changed nothing.
 */
export type EndAtResult = { ended: true; already: boolean } | { ended: false; current: StoredSession | null };

/**
 * Where live calls keep their state between webhooks.
 *
 * Contract, checked by test/store/conformance.ts for every implementation:
 * - `load` returns the last saved record and its version, an EndedCall for a call that has ended (with its
 *   summary while that is kept), or null when there is nothing (never saved, expired). A stored value that no
 *   longer parses is reported as null, never thrown.
 * - `save` is a compare-and-set: it succeeds only when the stored version equals `expectedVersion` (0 means
 *   "no session yet") and the call has not ended, and then stores version `expectedVersion + 1`; otherwise it
 *   changes nothing and returns false. Every save sets the session's time to live to `ttlSeconds`.
 * - `restore` puts back a copy of a call that the store lost or holds an older copy of (a Redis that restarted
 *   empty): it stores `record` at `version` only when there is no session or the stored version is lower, and
 *   the call has not ended. An older copy can therefore never replace a newer one.
 * - `end` ends the call whatever its version: the session is replaced by a mark that the call has ended, kept
 *   for `endedTtlSeconds`, and `summary`, when given and `summaryTtlSeconds` > 0, is kept for that long. On a
 *   call that has ended already it changes nothing (a repeated status callback does not overwrite the summary).
 * - `endAt` is `end` as a compare-and-set on `expectedVersion`; at another version, or with no session, it
 *   changes nothing and returns the session as it is (null when there is none), so that the caller can try
 *   again at that version without another round trip to read it.
 * - Nothing is ever stored without a time to live.
 * - `ping` resolves when the store answers and takes writes; otherwise it rejects with the reason in plain words.
 */
export interface SessionStore {
  load(callSid: string): Promise<Found>;
  save(callSid: string, record: SessionRecord, expectedVersion: number, ttlSeconds: number): Promise<boolean>;
  restore(callSid: string, record: SessionRecord, version: number, ttlSeconds: number): Promise<boolean>;
  end(callSid: string, summary: CallSummary | null, retention: Retention): Promise<void>;
  endAt(callSid: string, expectedVersion: number, summary: CallSummary | null, retention: Retention): Promise<EndAtResult>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Parses stored JSON; null for anything that is not a valid value of `schema`. */
export function parseStored<T>(schema: z.ZodType<T>, json: string | null | undefined): T | null {
  if (json === null || json === undefined) return null;
  try {
    const result = schema.safeParse(JSON.parse(json));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}
