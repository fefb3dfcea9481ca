import twilio from 'twilio';
import { OutcomeUnknown, PermanentFailure, type MessageJob } from './message-queue';

export interface TwilioSenderOptions {
  accountSid: string;
  authToken: string;
  /** TWILIO_API_URL: Twilio's own API, or a local stand-in for tests and demos. */
  apiUrl: string;
  from?: string;
  messagingServiceSid?: string;
  /** Where Twilio posts the message's later status (sent, delivered, undelivered, failed). */
  statusCallback?: string;
  /** Longest wait for the API's answer (TWILIO_API_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** Twilio's API answered with an error, or the request failed on the way (axios's error, as the client throws it). */
interface RestError {
  status?: number;
  code?: number | string;
  message?: string;
}

/** Sends one message with Twilio's Messages API; returns the message's SID. */
export type SendMessage = (job: MessageJob) => Promise<string>;

/** Failures before the request could reach Twilio: nothing was sent, trying again is safe. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL']);

/**
 * The twilio client's `messages.create`. Its API domain's base URL is TWILIO_API_URL, so a stand-in can take the
 * calls (the client builds every URL from it). The client's own retries are off: the job queue retries, with
 * back-off, across restarts. What it throws says whether a retry is right:
 * - a 4xx other than 429 (a landline, 21614; a bad number, 21211; an opted-out one, 21610) is a PermanentFailure:
 *   trying again cannot help;
 * - a 5xx, a 429, or a connection that never opened: Twilio did not take the message, it is tried again;
 * - no answer after the request went out (a timeout, a connection cut): Twilio may have taken it. Twilio documents
 *   no idempotency key for creating a message, and looking it up first is no better (a message still queued at
 *   Twilio has no date sent to search by, and the list lags), so such a message is never tried again: at most one
 *   text, an OutcomeUnknown ('unknown' on /metrics). Its status callback, if it was taken, still tells.
 * No error's text holds Twilio's message (a 21211 quotes the number): the code and the status only.
 */
export function twilioSender(options: TwilioSenderOptions): SendMessage {
  // A fresh connection per message (a few a day), with a deadline: no idle socket is held between them.
  const client = twilio(options.accountSid, options.authToken, {
    autoRetry: false,
    keepAlive: false,
    timeout: options.timeoutMs ?? 10_000,
  });
  client.api.baseUrl = options.apiUrl;
  const sender = options.messagingServiceSid !== undefined ? { messagingServiceSid: options.messagingServiceSid } : { from: options.from! };
  const status = options.statusCallback === undefined ? {} : { statusCallback: options.statusCallback };
  return async (job) => {
    try {
      const message = await client.messages.create({ to: job.to, body: job.body, ...sender, ...status });
      return message.sid;
    } catch (error) {
      const rest = error as RestError;
      const httpStatus = rest.status ?? 0;
      if (httpStatus >= 400 && httpStatus < 500 && httpStatus !== 429) {
        const code = typeof rest.code === 'number' ? rest.code : httpStatus;
        throw new PermanentFailure(`Twilio refused the message: error ${code}`, code);
      }
      if (httpStatus > 0)
        throw new Error(`Twilio's API answered ${httpStatus}${typeof rest.code === 'number' ? ` (error ${rest.code})` : ''}`);
      const code = typeof rest.code === 'string' ? rest.code : 'unknown';
      if (NOT_SENT.has(code)) throw new Error(`Twilio's API could not be reached (${code})`);
      throw new OutcomeUnknown(`no answer from Twilio's API after sending (${code}): the message may have been sent`);
    }
  };
}
