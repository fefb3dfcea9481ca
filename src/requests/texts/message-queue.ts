/** One text message to send: to whom, what, and the key that makes it one message however often it is asked. */
export interface MessageJob {
  /** The call and what the message is: `CA…:desk`, `CA…:steps:password`. */
  id: string;
  callSid: string;
  /** E.164. */
  to: string;
  body: string;
}

/**
 * Sends one message; throws to be tried again later, or a PermanentFailure when trying again cannot help. Resolves
 * 'withdrawn' for a job not sent because its caller heard it could not be: the queue then forgets its id, so that the
 * same message asked for again in the call is queued anew.
 */
export type Send = (job: MessageJob, attempt: number) => Promise<void | 'withdrawn'>;

/** A failure that no retry can mend (Twilio refused the number, say): the job ends there. */
export class PermanentFailure extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'PermanentFailure';
  }
}

/**
 * Twilio may have taken the message, or not: the request went out and no answer came (a timeout, a connection cut
 * after the request was written). The job ends there, never tried again: a second try could send a second text.
 */
export class OutcomeUnknown extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutcomeUnknown';
  }
}

/**
 * Where text messages wait to be sent: a job queue with retries and back-off, outside any webhook's path.
 * `add` returns once the job is kept (on Redis: durably, so a restart loses nothing); the same id twice is one job.
 * `start` begins sending with `send`; `close` stops, leaving unsent jobs for the next start.
 */
export interface MessageQueue {
  add(job: MessageJob): Promise<void>;
  /**
   * `lost` hears of a job whose sending was cut short where its outcome cannot be known (the process sending it
   * died): it is not sent again, since it may have gone.
   */
  start(send: Send, lost?: (job: MessageJob) => void): void;
  close(): Promise<void>;
}

/**
 * The limits on text messages: at most one of each kind per call, and `limit` a day per number.
 * `take` returns 'ok' and counts the message (its call's mark says "taken"), or says what stops it (and counts
 * nothing): 'already' (this call's message is queued), 'unconfirmed' (counted earlier, but whether its job was kept
 * is not known: queue it again, the job's id makes it one), 'limit' (the day's limit).
 * `confirm` marks the call's message queued once its job is kept; `giveBack` undoes a take whose job was not kept
 * (the mark and the count; nothing for a message already confirmed); `held` says whether the call's mark is there
 * (a job whose take was given back is not sent).
 */
export interface MessageLimits {
  take(callKey: string, number: string, day: string, limit: number): Promise<TakeResult>;
  confirm(callKey: string): Promise<void>;
  giveBack(callKey: string): Promise<void>;
  held(callKey: string): Promise<boolean>;
}

export type TakeResult = 'ok' | 'already' | 'unconfirmed' | 'limit';

/** How many times a message is tried, and the first wait between tries (doubling each time). */
export const ATTEMPTS = 6;
export const BACKOFF_MS = 1000;

/**
 * What the line keeps of text messages on Redis, and for how long (docs/operations.md: "What the line keeps in Redis").
 * A finished job is removed by BullMQ past an age or a count as later jobs finish; every job's hash (it holds the
 * number and the text) also expires JOB_TTL_SECONDS after it was queued, whatever happens. The events stream is
 * capped at about EVENTS_MAX_LEN entries. A call's mark and a number's daily count live MARK_TTL_SECONDS; a sent
 * message's SID, to find its call when its status comes, SID_TTL_SECONDS.
 */
export const KEEP_COMPLETED = { age: 60 * 60, count: 100 };
export const KEEP_FAILED = { age: 24 * 60 * 60, count: 500 };
export const JOB_TTL_SECONDS = 24 * 60 * 60;
export const EVENTS_MAX_LEN = 1000;
export const MARK_TTL_SECONDS = 2 * 24 * 60 * 60;
export const SID_TTL_SECONDS = 2 * 24 * 60 * 60;

/** A text with every run of 7 or more digits (a phone number, in any layout; an error code has 5) replaced: for reasons kept or logged. */
export function withoutNumbers(text: string): string {
  return text.replace(/\+?\d(?:[\d\s().-]*\d){6,}/g, '[number]');
}
