import { Callbacks } from './callbacks/callbacks';
import type { Config } from '../common/config';
import { hoursWords } from '../common/hours';
import type { Logger } from '../common/log';
import type { Metrics } from '../common/metrics';
import type { FlowRegistry } from '../engine/registry';
import { TextMessages } from './texts/text-messages';
import { MESSAGE_STATUS_PATH } from '../telephony/message-params';
import { twilioSender } from './texts/twilio-sender';
import { CallerRequests } from './caller-requests';
import { FollowUps } from './follow-ups';
import type { CallbackStore } from './callbacks/callback-store';
import type { MessageCalls } from './texts/message-calls';
import type { MessageLimits, MessageQueue } from './texts/message-queue';
import type { TextCaps } from './texts/text-caps';

/** What text messages keep, from the backend: made only when a sender is configured. */
export interface TextStores {
  queue: MessageQueue;
  limits: MessageLimits;
  caps: TextCaps;
  calls: MessageCalls;
}

export interface RequestParts {
  requests: CallerRequests;
  callbacks: Callbacks;
  /** Undefined when no sender is configured: then no text message is offered. */
  messages: TextMessages | undefined;
  /** Told of callbacks booked and texts asked for, sent, delivered or failed: the desk page listens. */
  followUps: FollowUps;
  /** Stops the expiry timer and the message worker; unsent messages stay queued. */
  close(): Promise<void>;
}

export interface RequestOptions {
  config: Config;
  callbacks: CallbackStore;
  texts: () => TextStores;
  flows: FlowRegistry;
  metrics: Metrics;
  logger: Logger;
  now?: () => Date;
}

/** The callback queue and the text messages, beside the call store (its Redis, or memory). */
export function createRequests(options: RequestOptions): RequestParts {
  const { config, metrics, logger, now } = options;
  const callbacks = new Callbacks({
    store: options.callbacks,
    metrics,
    logger,
    retentionDays: config.CALLBACK_RETENTION_DAYS,
    rules: { countries: config.CALLBACK_ALLOWED_COUNTRIES, own: [config.BSD_NUMBER, config.TWILIO_MESSAGING_FROM] },
    hourlyLimit: config.CALLBACK_HOURLY_LIMIT,
    secret: config.TWILIO_AUTH_TOKEN,
    ...(now === undefined ? {} : { now: () => now().getTime() }),
  });
  callbacks.start();
  const followUps = new FollowUps();
  const messages = textMessages(options, followUps);
  messages?.start();
  return {
    requests: new CallerRequests(callbacks, messages, logger, followUps),
    callbacks,
    messages,
    followUps,
    close: async () => {
      callbacks.stop();
      await messages?.close();
    },
  };
}

function textMessages({ config, texts, flows, metrics, logger, now }: RequestOptions, followUps: FollowUps): TextMessages | undefined {
  const from = config.TWILIO_MESSAGING_FROM;
  const service = config.TWILIO_MESSAGING_SERVICE_SID;
  if ((from === undefined && service === undefined) || config.TWILIO_ACCOUNT_SID === undefined) return undefined;
  const { queue, limits, caps, calls } = texts();
  const zone = config.BSD_TIMEZONE ?? 'UTC';
  return new TextMessages({
    queue,
    limits,
    caps,
    rules: { countries: config.SMS_ALLOWED_COUNTRIES, own: [config.BSD_NUMBER, config.TWILIO_MESSAGING_FROM] },
    hourlyLimit: config.SMS_HOURLY_LIMIT,
    prefixHourlyLimit: config.SMS_PREFIX_HOURLY_LIMIT,
    calls,
    queueTimeoutMs: config.STORE_TIMEOUT_MS,
    tell: (followUp) => followUps.tell(followUp),
    flows,
    metrics,
    logger,
    bsdNumber: config.BSD_NUMBER,
    hours: config.deskHoursText === undefined ? 'any day, at any time' : hoursWords(config.deskHoursText, zone),
    dailyLimit: config.SMS_DAILY_LIMIT,
    zone,
    send: twilioSender({
      accountSid: config.TWILIO_ACCOUNT_SID,
      authToken: config.TWILIO_AUTH_TOKEN,
      apiUrl: config.TWILIO_API_URL,
      timeoutMs: config.TWILIO_API_TIMEOUT_MS,
      statusCallback: `${config.PUBLIC_BASE_URL}${MESSAGE_STATUS_PATH}`,
      ...(from === undefined ? {} : { from }),
      ...(service === undefined ? {} : { messagingServiceSid: service }),
    }),
    ...(now === undefined ? {} : { now }),
  });
}
