/** Counters for /metrics, in the Prometheus text format. Small on purpose: what an operator graphs and alerts on. */
export class Metrics {
  private readonly counters = new Map<string, number>();
  private readonly latencyBuckets = [5, 10, 25, 50, 100, 250, 500, 1000, 2500];
  private readonly latencyCounts = new Array<number>(this.latencyBuckets.length + 1).fill(0);
  private latencySum = 0;
  private latencyCount = 0;

  count(name: string, labels: Record<string, string> = {}, by = 1): void {
    let key = name;
    let separator = '{';
    for (const label in labels) {
      key += `${separator}${label}="${labels[label]}"`;
      separator = ',';
    }
    if (separator === ',') key += '}';
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  observeLatency(ms: number): void {
    let i = 0;
    while (i < this.latencyBuckets.length && ms > this.latencyBuckets[i]!) i++;
    this.latencyCounts[i]!++;
    this.latencySum += ms;
    this.latencyCount++;
  }

  render(): string {
    const lines = [
      '# HELP portal_line_webhooks_total Webhook turns answered, by route and outcome.',
      '# TYPE portal_line_webhooks_total counter',
      '# HELP portal_line_store_round_trips_total Round trips to the call store, by operation.',
      '# TYPE portal_line_store_round_trips_total counter',
    ];
    for (const [key, value] of [...this.counters].sort()) lines.push(`${key} ${value}`);
    lines.push('# HELP portal_line_webhook_latency_ms Time to answer a webhook.', '# TYPE portal_line_webhook_latency_ms histogram');
    let cumulative = 0;
    this.latencyBuckets.forEach((b, i) => {
      cumulative += this.latencyCounts[i]!;
      lines.push(`portal_line_webhook_latency_ms_bucket{le="${b}"} ${cumulative}`);
    });
    lines.push(`portal_line_webhook_latency_ms_bucket{le="+Inf"} ${this.latencyCount}`);
    lines.push(
      `portal_line_webhook_latency_ms_sum ${Math.round(this.latencySum * 1000) / 1000}`,
      `portal_line_webhook_latency_ms_count ${this.latencyCount}`,
    );
    return `${lines.join('\n')}\n`;
  }
}
