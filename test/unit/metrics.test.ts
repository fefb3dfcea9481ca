import request from 'supertest';
import { Metrics } from '../../src/common/metrics';
import { startLine } from '../helpers/line';

test('counters are kept by name and labels', async () => {
  const m = new Metrics();
  m.count('portal_line_webhooks_total', { route: '/voice/input', outcome: 'advanced' });
  m.count('portal_line_webhooks_total', { route: '/voice/input', outcome: 'advanced' });
  m.count('portal_line_store_round_trips_total', { operation: 'save' }, 3);
  const text = await m.render();
  expect(text).toContain('portal_line_webhooks_total{route="/voice/input",outcome="advanced"} 2\n');
  expect(text).toContain('portal_line_store_round_trips_total{operation="save"} 3\n');
});

test('two apps count apart: each has a registry of its own', async () => {
  const [a, b] = [new Metrics(), new Metrics()];
  a.count('portal_line_store_round_trips_total', { operation: 'load' });
  expect(await a.render()).toContain('portal_line_store_round_trips_total{operation="load"} 1\n');
  expect(await b.render()).not.toContain('operation="load"');
});

test('the public port has no /metrics; the metrics port answers it, to a bearer of METRICS_TOKEN only when one is set', async () => {
  const open = await startLine('memory');
  const guarded = await startLine('memory', { METRICS_TOKEN: 'a-metrics-token-0123456789' });
  try {
    await open.call('3,2,2,1,1');
    for (const line of [open, guarded]) expect((await request(line.app).get('/metrics')).status).toBe(404);
    expect((await request(open.line.metrics).get('/metrics')).text).toContain('portal_line_webhooks_total');
    const metrics = guarded.line.metrics;
    const refused = await request(metrics).get('/metrics');
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(refused.text).not.toContain('portal_line');
    expect((await request(metrics).get('/metrics').set('Authorization', 'Bearer a-metrics-token-0123456789x')).status).toBe(401);
    expect((await request(metrics).get('/metrics').set('Authorization', 'Basic a-metrics-token-0123456789')).status).toBe(401);
    const allowed = await request(metrics).get('/metrics').set('Authorization', 'Bearer a-metrics-token-0123456789');
    expect(allowed.status).toBe(200);
    expect(allowed.text).toContain('portal_line_webhook_duration_seconds');
  } finally {
    await open.close();
    await guarded.close();
  }
});
