import { Counter, Histogram, Registry } from 'prom-client';

/** The counters the line keeps, by name. */
export type CounterName =
  | 'portal_line_webhooks_total'
  | 'portal_line_store_round_trips_total'
  | 'portal_line_announcement_heard_total'
  | 'portal_line_announcement_hung_up_total';

/**
 * The line's metrics for /metrics, in a registry of their own (not prom-client's global one), so that each app,
 * and each test's app, counts alone. Small on purpose: what an operator graphs and alerts on.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly counters: Record<CounterName, Counter>;
  private readonly webhookDuration: Histogram;

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
    this.webhookDuration = new Histogram({
      name: 'portal_line_webhook_duration_seconds',
      help: 'Time to answer a webhook turn.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
  }

  count(name: CounterName, labels: Record<string, string> = {}, by = 1): void {
    this.counters[name].inc(labels, by);
  }

  observeDuration(seconds: number): void {
    this.webhookDuration.observe(seconds);
  }

  /** The exposition text; serve it with `contentType`. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
