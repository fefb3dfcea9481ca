import { parseOidcHold, type OidcHold } from './sign-in/oidc-hold';

/** A desk agent's sign-in, kept under the hash of its cookie's token (the token itself is stored nowhere). */
export interface DeskSession {
  user: string;
  /** The token every form of this sign-in must carry. */
  csrf: string;
  createdAt: number;
  /** Epoch ms; the store's own time to live ends it too. */
  expiresAt: number;
  /** A keyed digest of the account's password hash when it was made: a changed password ends it. */
  account?: string;
  /** A sign-in with the organisation's identity provider, instead of a password (src/desk/sign-in/oidc.ts). */
  oidc?: OidcHold;
}

/** One thing that happened on a day, recorded atomically (see DayLog.record). */
export interface DayRecord {
  /**
   * The event's own id: recorded once however often it is tried (a write tried again after a timeout may have
   * landed the first time). Without it, each try records.
   */
  id?: string;
  /** An event to keep in the day's list (JSON), newest first. */
  event?: string;
  /** A call whose transfer attempts to count: the result says which attempt this is. */
  attemptOf?: string;
  /** Counts the call under `outcome`, unless the day has counted it already (under any outcome). */
  countOnce?: { callSid: string; outcome: string };
  /**
   * A message (a JSON object) to publish once recorded; with `attemptOf`, the attempt is added to it as its last
   * field, `attempt` (see `withAttempt`).
   */
  publish?: string;
}

export interface DayResult {
  /** The transfer attempt this was for `attemptOf` (1 for the first), null without `attemptOf`. */
  attempt: number | null;
  /** The day's counts after this record, when it counted the call; null when it counted nothing. */
  counts: Record<string, number> | null;
}

export interface DayRetention {
  /** How many events a day keeps; the oldest go first. */
  keep: number;
  /** How long a day's keys live after their last write. */
  ttlSeconds: number;
}

/** What the desk's live page hears: every message published on any instance sharing the store. */
export interface DeskListener {
  message(text: string): void;
  /** The connection to the other instances was lost and is back: messages may have been missed meanwhile. */
  resync(): void;
  /** Whether messages from the other instances can arrive now: false while the connection is lost. */
  connection?(up: boolean): void;
}

/**
 * Agents' sign-ins, each kept under the hash of its cookie's token.
 *
 * Contract (test/store/desk-store.test.ts): `putSession` keeps a sign-in for `ttlSeconds`; `getSession` returns it
 * until then, null after it or after `deleteSession`, or when the stored value does not parse.
 */
export interface SignInSessions {
  putSession(id: string, session: DeskSession, ttlSeconds: number): Promise<void>;
  getSession(id: string): Promise<DeskSession | null>;
  deleteSession(id: string): Promise<void>;
}

/**
 * Each day's transfers and outcome counts, and each call's own events.
 *
 * Contract (test/store/desk-store.test.ts):
 * - `record` with an `id` it recorded before (in the day) does nothing and returns no attempt and no counts.
 * - `record` does, at once: keeps `event` in the day's list (newest first, at most `keep`); counts a transfer attempt
 *   of `attemptOf`; counts `countOnce`'s call under its outcome unless the day counted that call before. Every key it
 *   writes lives `ttlSeconds` after its last write. `events` and `outcomes` read a day back. Then it publishes (as
 *   LiveChannel.publish does), in this order, `publish` (with the attempt, for `attemptOf`) and, when it counted the
 *   call, the day's counts as `{"type":"outcomes","day":…,"counts":{…}}`: one round trip for what one event records
 *   and tells the pages.
 * - `recordCall` keeps an event in a call's own list (newest first, at most `keep`; an event the list has already
 *   is not kept twice), which then lives at least `ttlSeconds`; `keepCall` makes a call's list live at least
 *   `ttlSeconds` more, and keeps nothing for a call with none; `callEvents` reads it back. A time to live given to
 *   these never shortens the one a key has.
 */
export interface DayLog {
  record(day: string, record: DayRecord, retention: DayRetention): Promise<DayResult>;
  events(day: string): Promise<string[]>;
  outcomes(day: string): Promise<Record<string, number>>;
  recordCall(callSid: string, event: string, retention: DayRetention): Promise<void>;
  keepCall(callSid: string, ttlSeconds: number): Promise<void>;
  callEvents(callSid: string): Promise<string[]>;
}

/**
 * The calls each reference was given to, for the desk's search.
 *
 * Contract (test/store/desk-store.test.ts): `indexReference` adds a call to a reference's calls, kept at least
 * `ttlSeconds`; `callsWithReference` lists them.
 */
export interface ReferenceIndex {
  indexReference(reference: string, callSid: string, ttlSeconds: number): Promise<void>;
  callsWithReference(reference: string): Promise<string[]>;
}

/**
 * The messages that carry a transfer (and every other change the pages show) to every instance's open pages.
 *
 * Contract (test/store/desk-store.test.ts): `publish` reaches every listener `subscribe`d on any instance sharing
 * the store, this one included.
 */
export interface LiveChannel {
  publish(message: string): Promise<void>;
  /** Starts listening; the function it returns stops. */
  subscribe(listener: DeskListener): () => void;
}

/**
 * Where the desk page keeps what it shares between instances: agents' sign-ins, each day's transfers and outcome
 * counts, an index of calls by reference, and the messages that carry a transfer to every instance's open pages.
 * It lives beside the call store: the same Redis (with the same key prefix), or the same process memory. Each part
 * of the desk is given only the parts of it that it uses.
 *
 * Besides each part's contract, checked by test/store/desk-store.test.ts for every implementation: nothing is ever
 * stored without a time to live.
 */
export interface DeskStore extends SignInSessions, DayLog, ReferenceIndex, LiveChannel {
  close(): Promise<void>;
}

/** Parses a stored sign-in; null for anything that is not one. */
export function parseSession(json: string | null | undefined): DeskSession | null {
  if (json === null || json === undefined) return null;
  try {
    const value = JSON.parse(json) as Partial<DeskSession>;
    if (
      typeof value.user === 'string' &&
      typeof value.csrf === 'string' &&
      typeof value.createdAt === 'number' &&
      typeof value.expiresAt === 'number'
    )
      return {
        user: value.user,
        csrf: value.csrf,
        createdAt: value.createdAt,
        expiresAt: value.expiresAt,
        ...(typeof value.account === 'string' && { account: value.account }),
        ...(parseOidcHold(value.oidc) !== undefined && { oidc: parseOidcHold(value.oidc)! }),
      };
  } catch {
    // not JSON: no session
  }
  return null;
}

/**
 * A published message with a transfer's attempt added as its last field, as `record` adds it; a message that is not
 * a JSON object with fields as it is.
 */
export function withAttempt(message: string, attempt: number): string {
  let fields: unknown;
  try {
    fields = JSON.parse(message);
  } catch {
    return message;
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields) || Object.keys(fields).length === 0) return message;
  return JSON.stringify({ ...fields, attempt });
}
