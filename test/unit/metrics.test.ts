import { Metrics } from '../../src/common/metrics';

test('counters are keyed by name and labels in the Prometheus text format', () => {
  const m = new Metrics();
  m.count('portal_line_webhooks_total', { route: '/input', outcome: 'advanced' });
  m.count('portal_line_webhooks_total', { route: '/input', outcome: 'advanced' });
  m.count('portal_line_store_round_trips_total', { operation: 'save' }, 3);
  m.count('portal_line_unlabelled_total');
  const text = m.render();
  expect(text).toContain('portal_line_webhooks_total{route="/input",outcome="advanced"} 2\n');
  expect(text).toContain('portal_line_store_round_trips_total{operation="save"} 3\n');
  expect(text).toContain('portal_line_unlabelled_total 1\n');
});

test('latencies fall in the first bucket they fit, counted cumulatively, with sum and count', () => {
  const m = new Metrics();
  for (const ms of [0.4, 5, 5.01, 10, 2500, 2500.5, 99_999]) m.observeLatency(ms);
  const bucket = (le: string) => Number(new RegExp(`_bucket\\{le="${le.replace('+', '\\+')}"\\} (\\d+)`).exec(m.render())?.[1]);
  expect([bucket('5'), bucket('10'), bucket('25'), bucket('1000'), bucket('2500'), bucket('+Inf')]).toEqual([2, 4, 4, 4, 5, 7]);
  expect(m.render()).toContain('portal_line_webhook_latency_ms_count 7\n');
  expect(m.render()).toContain(
    `portal_line_webhook_latency_ms_sum ${Math.round((0.4 + 5 + 5.01 + 10 + 2500 + 2500.5 + 99_999) * 1000) / 1000}\n`,
  );
});
