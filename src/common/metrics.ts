import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DeadlineExceeded } from './deadline';

/** The counters the line keeps, by name. */
export type CounterName =
  | 'portal_line_webhooks_total'
  | 'portal_line_store_round_trips_total'
  | 'portal_line_announcement_heard_total'
  | 'portal_line_announcement_hung_up_total';

/** The call store's operations: a turn's load, save and restore, the end of a call, and the readiness probe. */
export type StoreOperation = 'load' | 'save' | 'restore' | 'end' | 'ping' | 'insights';
const STORE_OPERATIONS: readonly StoreOperation[] = ['load', 'save', 'restore', 'end', 'ping', 'insights'];

/**
 * How a store operation failed: `refused` when Redis answered but takes no writes (READONLY: a replica;
 * OOM: full under maxmemory with noeviction; MISCONF: its snapshots fail), `timeout` when it did not answer in
 * time, `unreachable` otherwise (no connection, closed, an unexpected error).
 */
export type StoreFailure = 'refused' | 'timeout' | 'unreachable';
const STORE_FAILURES: readonly StoreFailure[] = ['refused', 'timeout', 'unreachable'];

/** Redis's error codes for a server that answers but takes no writes; they stay in the message through scripts. */
const REFUSED = /\b(?:READONLY|OOM|MISCONF)\b/;

/** What kind of failure `error`, thrown by a store operation, is. */
export function storeFailure(error: unknown): StoreFailure {
  if (error instanceof DeadlineExceeded) return 'timeout';
  const message = error instanceof Error ? error.message : String(error);
  if (REFUSED.test(message)) return 'refused';
  // ioredis's REDIS_COMMAND_TIMEOUT_MS, as it says it (and the readiness probe's words for it).
  if (/^Command timed out$|does not answer in time/.test(message)) return 'timeout';
  return 'unreachable';
}

/** DialCallStatus, as Twilio posts it after the line dials the desk. */
const DIAL_STATUSES = ['completed', 'answered', 'busy', 'no-answer', 'failed', 'canceled'] as const;

/** The statuses a webhook can be refused with (webhook.ts): malformed, unsigned, too large, not a form. */
const REFUSAL_STATUSES = ['400', '403', '413', '415'] as const;

/**
 * The line's metrics for /metrics, in a registry of their own (not prom-client's global one), so that each app,
 * and each test's app, counts alone. Small on purpose: what an operator graphs and alerts on
 * (infra/prometheus/portal-line.rules.yml). Series an alert reads are made at zero from the start, so that
 * `increase()` sees their first event.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly counters: Record<CounterName, Counter>;
  private readonly webhookDuration: Histogram;
  private readonly refusals: Counter;
  private readonly dials: Counter;
  private readonly storeFailures: Counter;

  constructor() {
    const registers = [this.registry];
    this.counters = {
      portal_line_webhooks_total: new Counter({
        name: 'portal_line_webhooks_total',
        help: 'Webhook turns answered, by route (the URL path Twilio called) and outcome.',
        labelNames: ['route', 'outcome'],
        registers,
      }),
      portal_line_store_round_trips_total: new Counter({
        name: 'portal_line_store_round_trips_total',
        help: 'Round trips to the call store, by operation.',
        labelNames: ['operation'],
        registers,
      }),
      portal_line_announcement_heard_total: new Counter({
        name: 'portal_line_announcement_heard_total',
        help: "Calls that began with the desk's announcement.",
        registers,
      }),
      portal_line_announcement_hung_up_total: new Counter({
        name: 'portal_line_announcement_hung_up_total',
        help: 'Calls that began with the announcement and ended without going further: the calls it saved.',
        registers,
      }),
    };
    // Twilio calls the fallback URL only when the voice URL failed it: an alert counts from the first.
    this.counters.portal_line_webhooks_total.inc({ route: '/voice/fallback', outcome: 'fallback-rescued' }, 0);
    this.webhookDuration = new Histogram({
      name: 'portal_line_webhook_duration_seconds',
      help: 'Time to answer a webhook turn.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.refusals = new Counter({
      name: 'portal_line_webhooks_refused_total',
      help: 'Webhooks refused before any turn, by status: 403 unsigned or signed for another URL or account, 400 malformed, 413 too large, 415 not a form.',
      labelNames: ['status'],
      registers,
    });
    for (const status of REFUSAL_STATUSES) this.refusals.inc({ status }, 0);
    this.dials = new Counter({
      name: 'portal_line_desk_dials_total',
      help: "The desk's dials as Twilio reports them (DialCallStatus), transfers and rescues alike: completed or answered (an agent took the call), busy, no-answer, failed, canceled (the caller hung up while it rang).",
      labelNames: ['status'],
      registers,
    });
    for (const status of DIAL_STATUSES) this.dials.inc({ status }, 0);
    this.storeFailures = new Counter({
      name: 'portal_line_store_failures_total',
      help: 'Call store operations that failed, by operation (load, save, restore, end, ping: the readiness probe, insights: the counts of the flow insights, written once a second) and kind: refused (Redis READONLY, OOM or MISCONF: it takes no writes), timeout, unreachable.',
      labelNames: ['operation', 'kind'],
      registers,
    });
    for (const operation of STORE_OPERATIONS) for (const kind of STORE_FAILURES) this.storeFailures.inc({ operation, kind }, 0);
  }

  count(name: CounterName, labels: Record<string, string> = {}, by = 1): void {
    this.counters[name].inc(labels, by);
  }

  observeDuration(seconds: number): void {
    this.webhookDuration.observe(seconds);
  }

  /** A webhook refused with `status` (its signature, its body) before any turn. */
  refused(status: number): void {
    this.refusals.inc({ status: String(status) });
  }

  /** Twilio's report of a dial to the desk. */
  dialed(status: (typeof DIAL_STATUSES)[number]): void {
    this.dials.inc({ status });
  }

  /** A call store operation that threw `error`. */
  storeFailed(operation: StoreOperation, error: unknown): void {
    this.storeFailures.inc({ operation, kind: storeFailure(error) });
  }

  /**
   * `portal_line_ready`: 1 when `ready` says this instance takes calls, 0 otherwise, asked at each scrape (the same
   * answer as /readyz). Called once, by the app.
   */
  watchReadiness(ready: () => Promise<boolean>): void {
    new Gauge({
      name: 'portal_line_ready',
      help: 'Whether this instance takes calls, as /readyz says at the scrape: 1 when not shutting down and the call store took a write within STORE_TIMEOUT_MS, 0 otherwise.',
      registers: [this.registry],
      async collect() {
        this.set((await ready()) ? 1 : 0);
      },
    });
  }

  /** The exposition text; serve it with `contentType`. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
