import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '../../common/metrics';
import type { ClosedOutcome } from './closed-desk';

/**
 * How a call ended, as the desk page's picture counts it; a call that met the closed desk by what the caller did
 * then (closed-callback, closed-text, closed-ended).
 */
export type CallOutcome = 'solved' | 'transferred' | 'hung-up' | ClosedOutcome;

/**
 * The desk's metrics, in the line's registry (/metrics). Each call is counted once, by the instance that saw its
 * outcome: summed over the instances, the counts since midnight are the page's picture of the day.
 */
export class DeskMetrics {
  private readonly outcomes: Counter;
  private readonly pages: Gauge;
  private readonly problems: Counter;
  private readonly droppedEvents: Counter;
  private readonly waitingEvents: Gauge;
  private readonly busySignIns: Counter;
  private readonly lockedSignIns: Counter;

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    this.outcomes = new Counter({
      name: 'portal_line_call_outcomes_total',
      help:
        'Calls by how they ended: solved by self-service, transferred to the desk (by reason), hung up mid-way, or at ' +
        'the closed desk with a callback booked, the details texted, or nothing more (closed-*, by the reason they needed the desk).',
      labelNames: ['outcome', 'reason'],
      registers,
    });
    for (const outcome of ['solved', 'hung-up'] as const) this.outcomes.inc({ outcome }, 0);
    this.pages = new Gauge({
      name: 'portal_line_desk_live_pages',
      help: 'Desk pages connected to this instance for live transfers.',
      registers,
    });
    this.problems = new Counter({
      name: 'portal_line_desk_store_problems_total',
      help: 'Desk records or reads that the store did not take (the calls themselves went on).',
      labelNames: ['operation'],
      registers,
    });
    this.droppedEvents = new Counter({
      name: 'portal_line_desk_events_dropped_total',
      help: 'Desk events (transfers, dials, ends) dropped while the store did not take them: more were waiting than kept.',
      labelNames: ['operation'],
      registers,
    });
    this.waitingEvents = new Gauge({
      name: 'portal_line_desk_events_waiting',
      help: 'Desk events kept in this instance until the store takes them (the pages are not live meanwhile).',
      registers,
    });
    this.busySignIns = new Counter({
      name: 'portal_line_desk_sign_ins_busy_total',
      help: 'Desk sign-ins refused at once (503) because every password check they could use was taken: a flood of sign-ins.',
      registers,
    });
    this.lockedSignIns = new Counter({
      name: 'portal_line_desk_sign_ins_locked_total',
      help: 'Desk sign-ins refused (429) by the limits on failed sign-ins: a name and address waiting after failures in a row, or an address that used its day.',
      labelNames: ['by'],
      registers,
    });
    for (const by of ['name-and-address', 'address'] as const) this.lockedSignIns.inc({ by }, 0);
  }

  /** A sign-in refused by the limits on failures (429), by which limit. */
  signInLocked(by: 'name-and-address' | 'address'): void {
    this.lockedSignIns.inc({ by });
  }

  /** A sign-in refused at once: every password-check slot it could use was taken. */
  signInBusy(): void {
    this.busySignIns.inc();
  }

  /** A desk event kept for the store was dropped: too many were waiting. */
  dropped(operation: string): void {
    this.droppedEvents.inc({ operation });
  }

  /** How many desk events wait for the store to take them. */
  waiting(count: number): void {
    this.waitingEvents.set(count);
  }

  counted(outcome: CallOutcome, reason?: string): void {
    this.outcomes.inc(reason === undefined ? { outcome } : { outcome, reason });
  }

  livePages(count: number): void {
    this.pages.set(count);
  }

  problem(operation: string): void {
    this.problems.inc({ operation });
  }
}
