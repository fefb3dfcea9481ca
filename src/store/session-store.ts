import { z } from 'zod';

// Fields added after the first release have defaults, so calls saved by an older instance still load.
const callContext = z.object({
  reference: z.string(),
  failures: z.number().int().min(0),
  quiet: z.number().int().min(0).default(0),
  notice: z.enum(['greeting', 'noInput', 'invalidKey', 'waiting', 'flowChanged']).nullable(),
  history: z.array(z.string()),
  transfer: z.string().nullable(),
  dialProblem: z.enum(['busy', 'noAnswer', 'failed']).nullable(),
  flowRestarted: z.boolean().default(false),
});

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
});
export type CallSummary = z.infer<typeof callSummary>;

export interface StoredSession {
  /** Counts the saves of this call; the next save must name it. */
  version: number;
  record: SessionRecord;
}

export interface SaveOptions {
  /** Refuse a save at version 0 while the call's summary is kept. */
  unlessEnded?: boolean;
}

/** What `endAt` did: ended the call, or found it at another version (`current`), or gone (`current` null). */
export type EndAtResult = { ended: true } | { ended: false; current: StoredSession | null };

/**
 * Where live calls keep their state between webhooks.
 *
 * Contract, checked by test/store/conformance.ts for every implementation:
 * - `load` returns the last saved record and its version, or null when there is none (never saved, ended,
 *   expired). A stored value that no longer parses is reported as null, never thrown.
 * - `save` is a compare-and-set: it succeeds only when the stored version equals `expectedVersion` (0 means
 *   "no session yet") and then stores version `expectedVersion + 1`; otherwise it changes nothing and
 *   returns false. Every save sets the session's time to live to `ttlSeconds`. With `unlessEnded`, a save at
 *   version 0 also fails while the call's summary is kept: a call put back after its state was lost is not
 *   started again when it has in fact ended (a turn in flight as the status callback ended it, say).
 * - `end` removes the session and, when `summary` is given and `summaryTtlSeconds` > 0, keeps the summary for
 *   that long. It is idempotent.
 * - `endAt` is `end` as a compare-and-set: it ends the call only when the stored version equals
 *   `expectedVersion`; otherwise it changes nothing and returns the session as it is (null when there is none),
 *   so that the caller can try again at that version without another round trip to read it.
 * - Nothing is ever stored without a time to live.
 * - `ping` resolves when the store answers and takes writes; otherwise it rejects with the reason in plain words.
 */
export interface SessionStore {
  load(callSid: string): Promise<StoredSession | null>;
  save(callSid: string, record: SessionRecord, expectedVersion: number, ttlSeconds: number, options?: SaveOptions): Promise<boolean>;
  end(callSid: string, summary: CallSummary | null, summaryTtlSeconds: number): Promise<void>;
  endAt(callSid: string, expectedVersion: number, summary: CallSummary | null, summaryTtlSeconds: number): Promise<EndAtResult>;
  loadSummary(callSid: string): Promise<CallSummary | null>;
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
