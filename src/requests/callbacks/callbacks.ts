import { Counter } from 'prom-client';
import type { ActionOutcome } from '../../engine/call-machine';
import { keyedDigest } from '../../common/keyed-digest';
import type { Logger } from '../../common/log';
import { keyedFits, maskedNumber, parseE164, phoneFits, type PhoneRules } from '../../common/phone';
import type { Metrics } from '../../common/metrics';
import type { CallbackRecord, CallbackStore, ClaimResult, CloseOutcome, CloseResult } from './callback-store';

/** A callback as the caller asked for it. */
export interface CallbackAsk {
  callSid: string;
  reference: string;
  reason: string;
  told: string[];
  /** The caller's number (From), when Twilio gave one. */
  from: string | undefined;
  /** A 10-digit number the caller keyed in instead, confirmed. */
  keyed: string | null;
  /** The turn's attempt (callback-store.ts): withdrawn by it when its caller is not told the callback is booked. */
  attempt?: string;
  /** The number the caller called (To): the line's own, never called back. */
  to?: string | undefined;
}

/** Which numbers a call may be called back on: its own (From), and a number keyed in. */
export interface CallbackNumbers {
  /** Checked only when a callback is asked for: most turns never need it. */
  caller(): boolean;
  keyed(digits: string): boolean;
}

export interface CallbacksDeps {
  store: CallbackStore;
  metrics: Metrics;
  logger: Logger;
  retentionDays: number;
  /** What a number must be to be called back (CALLBACK_ALLOWED_COUNTRIES; never the line's or the desk's own). */
  rules: PhoneRules;
  /** Callbacks asked in an hour on the whole line, at most (CALLBACK_HOURLY_LIMIT). */
  hourlyLimit: number;
  /** Keys the digest that stands for a number in the store (the Twilio auth token). */
  secret: string;
  now?: () => number;
}

/** How often each instance takes expired callbacks off the open list. */
const SWEEP_MS = 60_000;
/** How often a withdrawal that could not reach the store is tried again. */
const WITHDRAW_RETRY_MS = 2_000;
/** Withdrawals kept for another try at most: past this the oldest is given up, logged and counted. */
const WITHDRAW_PENDING_MAX = 1_000;

/**
 * The callback queue: callers ask (from a turn), the desk lists, claims and closes. Each callback is kept for
 * CALLBACK_RETENTION_DAYS; one still open then expires and is counted. Listeners (the desk page) hear of every
 * change made on this instance; the desk carries it to the other instances.
 */
export class Callbacks {
  private readonly counter: Counter;
  private readonly refusals: Counter;
  private readonly listeners = new Set<(id?: string) => void>();
  private timer: NodeJS.Timeout | undefined;
  /** Withdrawals the store did not take yet (unreachable), by `id attempt`, tried again until they land. */
  private readonly withdrawing = new Map<string, { id: string; attempt: string; until: number; withdrawn?: (() => void) | undefined }>();
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: CallbacksDeps) {
    this.counter = new Counter({
      name: 'portal_line_callbacks_total',
      help: 'Callbacks by event: asked by a caller, done or not reached by an agent, expired unanswered.',
      labelNames: ['event'],
      registers: [deps.metrics.registry],
    });
    for (const event of ['asked', 'done', 'not-reached', 'expired', 'withdrawn', 'withdraw-dropped']) this.counter.inc({ event }, 0);
    this.refusals = new Counter({
      name: 'portal_line_callbacks_not_booked_total',
      help: 'Callbacks the line would not book, by reason: the number is not one a phone can be (not-a-number, invalid, country, type, own), one is open for the number already (open), or the cap an hour is reached (line).',
      labelNames: ['reason'],
      registers: [deps.metrics.registry],
    });
    for (const reason of ['not-a-number', 'invalid', 'country', 'type', 'own', 'open', 'line']) this.refusals.inc({ reason }, 0);
  }

  private rulesFor(to: string | undefined): PhoneRules {
    return { ...this.deps.rules, own: [...this.deps.rules.own, to] };
  }

  /** Which numbers a call from `from` to `to` may be called back on: what the line offers and accepts. */
  numbersFor(from: string | undefined, to: string | undefined): CallbackNumbers {
    const rules = this.rulesFor(to);
    return {
      caller: () => phoneFits(from, rules).ok,
      keyed: (digits) => keyedFits(digits, rules).ok,
    };
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  get retentionSeconds(): number {
    return this.deps.retentionDays * 24 * 60 * 60;
  }

  /**
   * Hears of every change made on this instance: the callback's id when one changed (asked, claimed, closed), none
   * when several may have (expired). The function it returns stops.
   */
  onChange(listener: (id?: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(id?: string): void {
    for (const listener of this.listeners) {
      try {
        listener(id);
      } catch {
        // a listener's fault is its own
      }
    }
  }

  /**
   * Keeps a callback, once per call: 'queued' when kept now, 'already' when the call asked before, 'open' when an
   * earlier call's callback to the same number is still open; 'refused' for a number the desk must not call (premium,
   * foreign, not a phone line, the line's own) or over the line's cap an hour.
   */
  async ask(ask: CallbackAsk): Promise<ActionOutcome> {
    const rules = this.rulesFor(ask.to);
    const fit = ask.keyed !== null ? keyedFits(ask.keyed, rules) : phoneFits(parseE164(ask.from), rules);
    const log = { callSid: ask.callSid, reference: ask.reference, number: maskedNumber(ask.keyed ?? ask.from) };
    if (!fit.ok) {
      this.refusals.inc({ reason: fit.why });
      this.deps.logger.warn({ ...log, reason: fit.why }, 'callback refused: not a number the desk calls back');
      return 'refused';
    }
    const number = fit.phone.e164;
    const callback: CallbackRecord = {
      id: ask.callSid,
      reference: ask.reference,
      reason: ask.reason,
      told: ask.told,
      number,
      numberFrom: ask.keyed === null ? 'calling' : 'keyed',
      askedAt: this.now(),
      status: 'open',
      claimedBy: null,
      closedAt: null,
    };
    const numberKey = keyedDigest(this.deps.secret, 'callback-number', number);
    const kept = await this.deps.store.ask(callback, this.retentionSeconds, ask.attempt, { numberKey, hourlyLimit: this.deps.hourlyLimit });
    if (kept === 'already') return 'already';
    if (kept === 'open') {
      this.refusals.inc({ reason: 'open' });
      this.deps.logger.info(log, 'callback not booked: one for this number is open already');
      return 'open';
    }
    if (kept === 'limit') {
      this.refusals.inc({ reason: 'line' });
      this.deps.logger.warn(log, "callback refused: the line's cap an hour is reached");
      return 'refused';
    }
    this.counter.inc({ event: 'asked' });
    this.deps.logger.info({ ...log, number: maskedNumber(number) }, 'callback asked');
    this.changed(callback.id);
    return 'queued';
  }

  /**
   * The turn that asked (`attempt`) did not tell its caller the callback is booked (the store was slow, or the turn
   * failed): it must not stay open on the desk. Tried now and, while the store cannot be reached, again every
   * WITHDRAW_RETRY_MS for as long as a callback is kept. `withdrawn` is called once the callback is not on the desk's
   * list (not when another attempt, whose caller heard it is booked, still holds it). Resolves once tried; never
   * rejects.
   */
  async withdraw(id: string, attempt: string, withdrawn?: () => void): Promise<void> {
    const key = `${id} ${attempt}`;
    try {
      const result = await this.deps.store.withdraw(id, attempt, this.retentionSeconds);
      this.withdrawing.delete(key);
      if (result === 'held') return;
      if (result === 'withdrawn') {
        this.counter.inc({ event: 'withdrawn' });
        this.deps.logger.info({ callSid: id }, 'callback withdrawn: the caller was not told it is booked');
        this.changed(id);
      }
      withdrawn?.();
    } catch (error) {
      if (!this.withdrawing.has(key)) {
        this.deps.logger.warn({ callSid: id, error: (error as Error).message }, 'callback withdrawal failed: trying again');
        this.withdrawing.set(key, { id, attempt, until: this.now() + this.retentionSeconds * 1000, withdrawn });
        this.dropOldestWithdrawals();
      }
      this.retryTimer ??= setTimeout(() => this.retryWithdrawals(), WITHDRAW_RETRY_MS);
      this.retryTimer.unref();
    }
  }

  private dropOldestWithdrawals(): void {
    for (const [key, { id }] of this.withdrawing) {
      if (this.withdrawing.size <= WITHDRAW_PENDING_MAX) return;
      this.withdrawing.delete(key);
      this.counter.inc({ event: 'withdraw-dropped' });
      this.deps.logger.error({ callSid: id }, 'callback withdrawal given up: too many waiting');
    }
  }

  private retryWithdrawals(): void {
    this.retryTimer = undefined;
    const now = this.now();
    for (const [key, { id, attempt, until, withdrawn }] of this.withdrawing) {
      if (until <= now) this.withdrawing.delete(key);
      else void this.withdraw(id, attempt, withdrawn);
    }
  }

  /** Withdrawals still waiting for the store. */
  get pendingWithdrawals(): number {
    return this.withdrawing.size;
  }

  open(): Promise<CallbackRecord[]> {
    return this.deps.store.open();
  }

  /** One callback as it stands, in any status; null when none is kept. */
  get(id: string): Promise<CallbackRecord | null> {
    return this.deps.store.get(id);
  }

  async claim(id: string, agent: string): Promise<ClaimResult> {
    const result = await this.deps.store.claim(id, agent);
    if (result === 'claimed') this.changed(id);
    return result;
  }

  async close(id: string, agent: string, outcome: CloseOutcome): Promise<CloseResult> {
    const result = await this.deps.store.close(id, agent, outcome, this.now());
    if (result === 'closed') {
      this.counter.inc({ event: outcome });
      this.changed(id);
    }
    return result;
  }

  /** Takes off the open list what has waited longer than the retention; returns how many. */
  async expire(): Promise<number> {
    const expired = await this.deps.store.expire(this.now() - this.retentionSeconds * 1000);
    if (expired > 0) {
      this.counter.inc({ event: 'expired' }, expired);
      this.deps.logger.info({ expired }, 'callbacks expired');
      this.changed();
    }
    return expired;
  }

  /** Expires callbacks every minute until `stop`. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.expire().catch((error: Error) => this.deps.logger.warn({ error: error.message }, 'callbacks: expiry failed'));
    }, SWEEP_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
