/** One text message to send: to whom, what, and the key that makes it one message however often it is asked. */
export interface MessageJob {
  /** The call and what the message is: `CA…:desk`, `CA…:steps:password`. */
  id: string;
  callSid: string;
  /** E.164. */
  to: string;
  body: string;
}

/** Sends one message; throws to be tried again later, or a PermanentFailure when trying again cannot help. */
export type Send = (job: MessageJob, attempt: number) => Promise<void>;

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
 * Where text messages wait to be sent: a job queue with retries and back-off, outside any webhook's path.
 * `add` returns once the job is kept (on Redis: durably, so a restart loses nothing); the same id twice is one job.
 * `start` begins sending with `send`; `close` stops, leaving unsent jobs for the next start.
 */
export interface MessageQueue {
  add(job: MessageJob): Promise<void>;
  start(send: Send): void;
  close(): Promise<void>;
}

/**
 * The limits on text messages: at most one of each kind per call, and `limit` a day per number.
 * `take` returns 'ok' and counts the message, or says which limit stops it (and counts nothing).
 */
export interface MessageLimits {
  take(callKey: string, number: string, day: string, limit: number): Promise<'ok' | 'already' | 'limit'>;
}

/** How many times a message is tried, and the first wait between tries (doubling each time). */
export const ATTEMPTS = 6;
export const BACKOFF_MS = 1000;
