import { Callbacks } from '../callbacks/callbacks';
import { callbackStoreFor } from '../callbacks/callback-store-for';
import type { Config } from '../common/config';
import { hoursWords } from '../common/hours';
import type { Logger } from '../common/log';
import type { Metrics } from '../common/metrics';
import type { FlowRegistry } from '../engine/registry';
import { BullMessageQueue, RedisMessageLimits } from '../messages/bullmq-queue';
import { MemoryMessageLimits, MemoryMessageQueue } from '../messages/memory-queue';
import { MemoryTextCaps, RedisTextCaps } from '../messages/text-caps';
import { MemoryMessageCalls, RedisMessageCalls } from '../messages/message-calls';
import { TextMessages } from '../messages/text-messages';
import { MESSAGE_STATUS_PATH } from '../telephony/message-params';
import { twilioSender } from '../messages/twilio-sender';
import { RedisStore } from '../store/redis-store';
import type { SessionStore } from '../store/session-store';
import { CallerRequests } from './caller-requests';
import { FollowUps } from './follow-ups';

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
  store: SessionStore;
  flows: FlowRegistry;
  metrics: Metrics;
  logger: Logger;
  now?: () => Date;
}

/** The callback queue and the text messages, beside the call store (its Redis, or memory). */
export function createRequests(options: RequestOptions): RequestParts {
  const { config, store, metrics, logger, now } = options;
  const callbacks = new Callbacks({
    store: callbackStoreFor(store),
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

function textMessages({ config, store, flows, metrics, logger, now }: RequestOptions, followUps: FollowUps): TextMessages | undefined {
  const from = config.TWILIO_MESSAGING_FROM;
  const service = config.TWILIO_MESSAGING_SERVICE_SID;
  if ((from === undefined && service === undefined) || config.TWILIO_ACCOUNT_SID === undefined) return undefined;
  const redis = store instanceof RedisStore;
  const zone = config.BSD_TIMEZONE ?? 'UTC';
  return new TextMessages({
    queue: redis ? new BullMessageQueue(store.client, store.prefix) : new MemoryMessageQueue(),
    limits: redis ? new RedisMessageLimits(store.client, store.prefix, config.TWILIO_AUTH_TOKEN) : new MemoryMessageLimits(),
    caps: redis ? new RedisTextCaps(store.client, store.prefix) : new MemoryTextCaps(),
    rules: { countries: config.SMS_ALLOWED_COUNTRIES, own: [config.BSD_NUMBER, config.TWILIO_MESSAGING_FROM] },
    hourlyLimit: config.SMS_HOURLY_LIMIT,
    prefixHourlyLimit: config.SMS_PREFIX_HOURLY_LIMIT,
    calls: redis ? new RedisMessageCalls(store.client, store.prefix) : new MemoryMessageCalls(),
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
