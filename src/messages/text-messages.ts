import { Counter } from 'prom-client';
import { DateTime } from 'luxon';
import type { ActionOutcome, PendingAction } from '../engine/call-machine';
import type { FlowRegistry } from '../engine/registry';
import { deskMessage, stepsMessage } from '../flows/sms';
import { maskPhone, type Logger } from '../common/log';
import { numberPrefix, phoneFits, type PhoneRules } from '../common/phone-number';
import type { Metrics } from '../common/metrics';
import type { CallerRequest } from '../turn/requests';
import { PermanentFailure, type MessageJob, type MessageLimits, type MessageQueue } from './message-queue';
import type { TextCaps } from './text-caps';
import type { SendMessage } from './twilio-sender';

export interface TextMessagesDeps {
  queue: MessageQueue;
  limits: MessageLimits;
  flows: FlowRegistry;
  metrics: Metrics;
  logger: Logger;
  bsdNumber: string;
  /** The desk's hours as a message writes them. */
  hours: string;
  /** Messages a day to one number. */
  dailyLimit: number;
  /** What a number must be to get a text (SMS_ALLOWED_COUNTRIES; never the line's or the desk's own). */
  rules: PhoneRules;
  /** Caps an hour: for the whole line (SMS_HOURLY_LIMIT), and for each range of numbers (SMS_PREFIX_HOURLY_LIMIT). */
  caps: TextCaps;
  hourlyLimit: number;
  prefixHourlyLimit: number;
  /** The zone whose day the daily limit counts. */
  zone: string;
  /** Sends one message; without it messages wait in the queue. */
  send?: SendMessage;
  now?: () => Date;
}

/**
 * Text messages a caller asks for: composed from the flow's wording, checked against the limits, and queued (never
 * sent in the webhook's path); the queue's worker sends them with the twilio client. Counted on /metrics by what
 * happened: queued, sent, refused (by Twilio, for good), limited (the day's limit), failed (tried again later).
 */
export class TextMessages {
  private readonly counter: Counter;
  private readonly refusals: Counter;

  constructor(private readonly deps: TextMessagesDeps) {
    this.counter = new Counter({
      name: 'portal_line_text_messages_total',
      help: 'Text messages by event: queued for a caller, sent, refused by Twilio, over the daily limit, failed and retried.',
      labelNames: ['event'],
      registers: [deps.metrics.registry],
    });
    for (const event of ['queued', 'sent', 'refused', 'limited', 'failed']) this.counter.inc({ event }, 0);
    this.refusals = new Counter({
      name: 'portal_line_text_messages_not_sent_total',
      help: 'Text messages the line would not send, by reason: the number is not one a phone can be (not-a-number, invalid, country, type, own), or a cap an hour is reached (line, prefix).',
      labelNames: ['reason'],
      registers: [deps.metrics.registry],
    });
    for (const reason of ['not-a-number', 'invalid', 'country', 'type', 'own', 'line', 'prefix']) this.refusals.inc({ reason }, 0);
  }

  /** Queues the message a caller asked for: 'queued' once it is kept, 'already' for this call, or 'refused'. */
  async queue(request: CallerRequest, pending: Extract<PendingAction, { kind: 'text' }>): Promise<ActionOutcome> {
    const log = { callSid: request.callSid, to: maskPhone(request.from) };
    // Only to a number a physician's phone can be: texts to premium or foreign ranges are how SMS pumping pays.
    const fit = phoneFits(request.from, { ...this.deps.rules, own: [...this.deps.rules.own, request.to] });
    if (!fit.ok) {
      this.refusals.inc({ reason: fit.why });
      this.deps.logger.warn({ ...log, reason: fit.why }, 'text message refused: not a number the line texts');
      return 'refused';
    }
    const to = fit.phone.e164;
    const flow = (this.deps.flows.get(request.flowId) ?? this.deps.flows.entry).flow;
    const values = { reference: request.reference, bsdNumber: this.deps.bsdNumber, hours: this.deps.hours };
    const body = pending.what === 'steps' ? stepsMessage(flow, pending.node, values) : deskMessage(flow, values);
    if (body === undefined) return 'refused';
    const kind = pending.what === 'steps' ? `steps:${pending.node}` : 'desk';
    const id = `${request.callSid}:${kind}`;
    const now = this.deps.now?.() ?? new Date();
    const prefix = numberPrefix(fit.phone);
    const capped = await this.deps.caps.take(
      id,
      [
        { name: 'line', limit: this.deps.hourlyLimit },
        { name: `prefix:${prefix}`, limit: this.deps.prefixHourlyLimit },
      ],
      now,
    );
    if (!capped.ok) {
      const reason = capped.cap === 'line' ? 'line' : 'prefix';
      this.refusals.inc({ reason });
      this.deps.logger.warn(
        { ...log, kind, cap: reason, prefix },
        `text message refused: the ${reason === 'line' ? "line's" : "number range's"} cap an hour is reached`,
      );
      return 'refused';
    }
    const day = DateTime.fromJSDate(now, { zone: this.deps.zone }).toISODate()!;
    const taken = await this.deps.limits.take(id, to, day, this.deps.dailyLimit);
    if (taken === 'already') return 'already';
    if (taken === 'limit') {
      this.counter.inc({ event: 'limited' });
      this.deps.logger.warn({ ...log, kind }, 'text message refused: the daily limit for this number is reached');
      return 'refused';
    }
    await this.deps.queue.add({ id, callSid: request.callSid, to, body });
    this.counter.inc({ event: 'queued' });
    this.deps.logger.info({ ...log, kind }, 'text message queued');
    return 'queued';
  }

  /** Starts sending what is queued (and what an earlier run left). */
  start(): void {
    if (this.deps.send !== undefined) this.deps.queue.start((job, attempt) => this.sendOne(job, attempt));
  }

  private async sendOne(job: MessageJob, attempt: number): Promise<void> {
    const log = { callSid: job.callSid, to: maskPhone(job.to), attempt };
    try {
      const sid = await this.deps.send!(job);
      this.counter.inc({ event: 'sent' });
      this.deps.logger.info({ ...log, messageSid: sid }, 'text message sent');
    } catch (error) {
      if (error instanceof PermanentFailure) {
        this.counter.inc({ event: 'refused' });
        this.deps.logger.warn({ ...log, code: error.code, error: error.message }, 'text message refused by Twilio');
      } else {
        this.counter.inc({ event: 'failed' });
        this.deps.logger.warn({ ...log, error: (error as Error).message }, 'text message failed: it will be tried again');
      }
      throw error;
    }
  }

  close(): Promise<void> {
    return this.deps.queue.close();
  }
}
