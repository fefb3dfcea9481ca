import twilio from 'twilio';
import { PermanentFailure, type MessageJob } from './message-queue';

export interface TwilioSenderOptions {
  accountSid: string;
  authToken: string;
  /** TWILIO_API_URL: Twilio's own API, or a local stand-in for tests and demos. */
  apiUrl: string;
  from?: string;
  messagingServiceSid?: string;
}

/** Twilio's API answered with an error. */
interface RestError {
  status?: number;
  code?: number;
  message?: string;
}

/** Sends one message with Twilio's Messages API; returns the message's SID. */
export type SendMessage = (job: MessageJob) => Promise<string>;

/**
 * The twilio client's `messages.create`. Its API domain's base URL is TWILIO_API_URL, so a stand-in can take the
 * calls (the client builds every URL from it). The client's own retries are off: the job queue retries, with
 * back-off, across restarts. A 4xx other than 429 (a landline, 21614; a bad number, 21211; an opted-out one, 21610)
 * is a PermanentFailure: trying again cannot help.
 */
export function twilioSender(options: TwilioSenderOptions): SendMessage {
  // A fresh connection per message (a few a day), with a deadline: no idle socket is held between them.
  const client = twilio(options.accountSid, options.authToken, { autoRetry: false, keepAlive: false, timeout: 10_000 });
  client.api.baseUrl = options.apiUrl;
  const sender = options.messagingServiceSid !== undefined ? { messagingServiceSid: options.messagingServiceSid } : { from: options.from! };
  return async (job) => {
    try {
      const message = await client.messages.create({ to: job.to, body: job.body, ...sender });
      return message.sid;
    } catch (error) {
      const rest = error as RestError;
      const status = rest.status ?? 0;
      if (status >= 400 && status < 500 && status !== 429)
        throw new PermanentFailure(`Twilio refused the message: ${rest.code ?? status} ${rest.message ?? ''}`.trim(), rest.code ?? status);
      throw error;
    }
  };
}
