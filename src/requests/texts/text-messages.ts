import { Counter } from 'prom-client';
import { DateTime } from 'luxon';
import type { ActionOutcome, PendingAction } from '../../engine/call-machine';
import type { FlowRegistry } from '../../engine/registry';
import { deskMessage, stepsMessage } from '../../flows/sms';
import type { Logger } from '../../common/log';
import { maskedNumber, numberPrefix, phoneFits, type PhoneRules } from '../../common/phone';
import type { Metrics } from '../../common/metrics';
import type { CallerRequest } from '../../turn/requests';
import { withDeadline } from '../../common/deadline';
import type { FollowUp } from '../../turn/call-observer';
import type { MessageCalls } from './message-calls';
import {
  ATTEMPTS,
  OutcomeUnknown,
  PermanentFailure,
  withoutNumbers,
  type MessageJob,
  type MessageLimits,
  type MessageQueue,
  type TakeResult,
} from './message-queue';
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
  /** The zone whose day the daily limit counts. */
  zone: string;
  /** What a number must be to get a text (SMS_ALLOWED_COUNTRIES; never the line's or the desk's own). */
  rules: PhoneRules;
  /** Caps an hour: for the whole line (SMS_HOURLY_LIMIT), and for each range of numbers (SMS_PREFIX_HOURLY_LIMIT). */
  caps: TextCaps;
  hourlyLimit: number;
  prefixHourlyLimit: number;
  /** Sends one message; without it messages wait in the queue. */
  send?: SendMessage;
  /** A sent message's call, for its status callback. */
  calls: MessageCalls;
  /** Longest wait for the queue to keep a job (a paused Redis must not leave the caller waiting). */
  queueTimeoutMs: number;
  /** Told of each message's follow-up states, for the desk page. */
  tell?: (followUp: FollowUp) => void;
  now?: () => Date;
}

/** Twilio's later status of a message, as its status callback posts it. */
export interface MessageStatusReport {
  messageSid: string;
  status: string;
  errorCode?: number | undefined;
}

/** The carrier's delivery failures Twilio reports (30003 unreachable … 30008 unknown): a label each, others 'other'. */
const CARRIER_CODES = new Set([30003, 30004, 30005, 30006, 30007, 30008]);
const FINAL_STATUSES = new Set(['delivered', 'undelivered', 'failed']);

/**
 * Text messages a caller asks for: composed from the flow's wording, checked against the limits, and queued (never
 * sent in the webhook's path); the queue's worker sends them with the twilio client. Counted on /metrics by what
 * happened: queued, sent, refused (by Twilio, for good), limited (the day's limit), failed (tried again later, or
 * not queued), unknown (sent, no answer: never tried again), withdrawn (queued by a take given back: not sent); and
 * by the delivery status Twilio reports later.
 */
export class TextMessages {
  private readonly counter: Counter;
  private readonly statuses: Counter;
  private readonly refusals: Counter;

  constructor(private readonly deps: TextMessagesDeps) {
    this.counter = new Counter({
      name: 'portal_line_text_messages_total',
      help: 'Text messages by event: queued for a caller, sent, refused by Twilio, over the daily limit, failed (retried, or not queued), outcome unknown (not retried), withdrawn.',
      labelNames: ['event'],
      registers: [deps.metrics.registry],
    });
    for (const event of ['queued', 'sent', 'refused', 'limited', 'failed', 'unknown', 'withdrawn']) this.counter.inc({ event }, 0);
    this.statuses = new Counter({
      name: 'portal_line_text_message_status_total',
      help: "Text messages' final status as Twilio reports it (delivered, undelivered, failed), by error code (30003-30008, other, none).",
      labelNames: ['status', 'error_code'],
      registers: [deps.metrics.registry],
    });
    for (const status of FINAL_STATUSES) this.statuses.inc({ status, error_code: 'none' }, 0);
    this.refusals = new Counter({
      name: 'portal_line_text_messages_not_sent_total',
      help: 'Text messages the line would not send, by reason: the number is not one a phone can be (not-a-number, invalid, country, type, own), or a cap an hour is reached (line, prefix).',
      labelNames: ['reason'],
      registers: [deps.metrics.registry],
    });
    for (const reason of ['not-a-number', 'invalid', 'country', 'type', 'own', 'line', 'prefix']) this.refusals.inc({ reason }, 0);
  }

  /**
   * Queues the message a caller asked for: 'queued' once it is kept, 'already' for this call, 'refused', or 'failed'
   * (the store or the queue failed, or `abandoned` was aborted meanwhile: whatever was counted is given back, and a
   * job kept late is not sent).
   */
  async queue(request: CallerRequest, pending: Extract<PendingAction, { kind: 'text' }>, abandoned?: AbortSignal): Promise<ActionOutcome> {
    const log = { callSid: request.callSid, to: maskedNumber(request.from) };
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
    const day = DateTime.fromJSDate(now, { zone: this.deps.zone }).toISODate()!;
    const prefix = numberPrefix(fit.phone);
    const caps = [
      { name: 'line', limit: this.deps.hourlyLimit },
      { name: `prefix:${prefix}`, limit: this.deps.prefixHourlyLimit },
    ];
    // What was counted is given back when the text is not queued after all. Sent after the takes on the same
    // connection: they run after them, even if a take's answer never came.
    const giveBack = () => {
      this.deps.limits.giveBack(id).catch(() => undefined);
      this.deps.caps.giveBack(id, caps, now).catch(() => undefined);
    };
    const failed = (error: unknown): ActionOutcome => {
      giveBack();
      this.counter.inc({ event: 'failed' });
      this.deps.logger.warn({ ...log, kind, error: (error as Error).message }, 'text message not queued: nothing is counted');
      return 'failed';
    };
    // The day's limit for the number first: a number over it (one caller calling again and again) uses up nothing of
    // the caps an hour that every other caller of its range shares.
    let taken: TakeResult;
    try {
      taken = await this.deps.limits.take(id, to, day, this.deps.dailyLimit);
    } catch (error) {
      return failed(error);
    }
    if (taken === 'already') return 'already';
    if (taken === 'limit') {
      this.counter.inc({ event: 'limited' });
      this.deps.logger.warn({ ...log, kind }, 'text message refused: the daily limit for this number is reached');
      return 'refused';
    }
    let capped: Awaited<ReturnType<TextCaps['take']>>;
    try {
      capped = await this.deps.caps.take(id, caps, now);
    } catch (error) {
      return failed(error);
    }
    if (!capped.ok) {
      giveBack();
      const reason = capped.cap === 'line' ? 'line' : 'prefix';
      this.refusals.inc({ reason });
      this.deps.logger.warn(
        { ...log, kind, cap: reason, prefix },
        `text message refused: the ${reason === 'line' ? "line's" : "number range's"} cap an hour is reached`,
      );
      return 'refused';
    }
    // 'unconfirmed': taken earlier, its job perhaps kept: queued again, the job's id makes it one.
    try {
      await withDeadline(this.deps.queue.add({ id, callSid: request.callSid, to, body }), this.deps.queueTimeoutMs, 'queueing the text');
    } catch (error) {
      return failed(error);
    }
    if (abandoned?.aborted === true) return failed(new Error('the turn gave up waiting'));
    this.deps.limits.confirm(id).catch(() => undefined);
    this.counter.inc({ event: 'queued' });
    this.deps.logger.info({ ...log, kind }, 'text message queued');
    return 'queued';
  }

  /** Starts sending what is queued (and what an earlier run left). */
  start(): void {
    if (this.deps.send !== undefined)
      this.deps.queue.start(
        (job, attempt) => this.sendOne(job, attempt),
        (job) => this.lost(job),
      );
  }

  /** A job whose sender died while sending it: perhaps sent, so never sent again. */
  private lost(job: MessageJob): void {
    this.counter.inc({ event: 'unknown' });
    this.deps.logger.warn(
      { callSid: job.callSid, to: maskedNumber(job.to) },
      'text message perhaps sent: its sender stopped while sending it, not tried again',
    );
    this.tell(job, 'unknown');
  }

  private tell(job: MessageJob, state: FollowUp['state'], code?: number): void {
    const id = `text:${job.id.slice(job.callSid.length + 1)}`;
    this.deps.tell?.({ callSid: job.callSid, id, kind: 'text', state, ...(code !== undefined && { code }) });
  }

  private async sendOne(job: MessageJob, attempt: number): Promise<void | 'withdrawn'> {
    const log = { callSid: job.callSid, to: maskedNumber(job.to), attempt };
    if (!(await this.deps.limits.held(job.id))) {
      // Its take was given back (the caller heard it failed): queued late, it is not sent.
      this.counter.inc({ event: 'withdrawn' });
      this.deps.logger.warn(log, 'text message withdrawn: the caller was told it could not be sent');
      return 'withdrawn';
    }
    let sid: string;
    try {
      sid = await this.deps.send!(job);
    } catch (error) {
      // The error's text is the sender's own (codes and statuses, never Twilio's words): numbers masked all the same.
      const reason = withoutNumbers((error as Error).message);
      if (error instanceof PermanentFailure) {
        this.counter.inc({ event: 'refused' });
        this.deps.logger.warn({ ...log, code: error.code, error: reason }, 'text message refused by Twilio');
        this.tell(job, 'failed', error.code);
      } else if (error instanceof OutcomeUnknown) {
        this.counter.inc({ event: 'unknown' });
        this.deps.logger.warn({ ...log, error: reason }, 'text message perhaps sent: not tried again');
        this.tell(job, 'unknown');
      } else {
        this.counter.inc({ event: 'failed' });
        this.deps.logger.warn({ ...log, error: reason }, 'text message failed: it will be tried again');
        if (attempt >= ATTEMPTS) this.tell(job, 'failed');
      }
      throw error;
    }
    this.counter.inc({ event: 'sent' });
    this.deps.logger.info({ ...log, messageSid: sid }, 'text message sent');
    this.tell(job, 'sent');
    const owner = { callSid: job.callSid, id: `text:${job.id.slice(job.callSid.length + 1)}` };
    await this.deps.calls.remember(sid, owner).catch((error: Error) => {
      this.deps.logger.warn({ ...log, messageSid: sid, error: error.message }, 'text message: its call was not kept for its status');
    });
  }

  /**
   * Twilio's status callback for a message: its final status counted (with the error code), and told to the desk on
   * the message's call. Returns what became of it, for the log line.
   */
  async status(report: MessageStatusReport): Promise<'counted' | 'ignored' | 'unknown-message'> {
    if (!FINAL_STATUSES.has(report.status)) return 'ignored';
    const code = report.errorCode;
    const label = code === undefined ? 'none' : CARRIER_CODES.has(code) ? String(code) : 'other';
    this.statuses.inc({ status: report.status, error_code: label });
    const owner = await this.deps.calls.find(report.messageSid);
    if (owner === null) return 'unknown-message';
    const state = report.status === 'delivered' ? 'delivered' : 'failed';
    this.deps.tell?.({ callSid: owner.callSid, id: owner.id, kind: 'text', state, ...(code !== undefined && { code }) });
    return 'counted';
  }

  close(): Promise<void> {
    return this.deps.queue.close();
  }
}
