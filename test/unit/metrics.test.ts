import { spawnSync } from 'node:child_process';
import request from 'supertest';
import { Metrics } from '../../src/common/metrics';
import { startLine } from '../helpers/line';

/** `promtool check metrics` on `text`: its exit status and what it said. */
function promtoolCheck(text: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (run.error !== undefined) {
    throw new Error(`promtool is needed for this test and could not be run (${run.error.message}): apt-get install -y prometheus`);
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

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

test('/metrics after some webhooks passes promtool check metrics, routes labelled with the URLs Twilio calls', async () => {
  const line = await startLine('memory');
  try {
    await line.call('3,2,2,1,1');
    await line.post('/voice/rescue/dial', { CallSid: `CA${'d'.repeat(32)}`, DialCallStatus: 'busy' }).expect(200);
    const res = await request(line.line.metrics).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const check = promtoolCheck(res.text);
    expect(check).toEqual({ status: 0, output: '' });
    // Each family's samples under its own HELP and TYPE.
    let family = '';
    for (const textLine of res.text.split('\n').filter((l) => l !== '')) {
      const type = /^# TYPE (\S+) /.exec(textLine);
      if (type !== null) family = type[1]!;
      else if (!textLine.startsWith('#'))
        expect({ sample: textLine, family }).toEqual({
          sample: expect.stringMatching(new RegExp(`^${family}(_bucket|_sum|_count)?[{ ]`)),
          family,
        });
    }
    const routes = [...res.text.matchAll(/portal_line_webhooks_total\{route="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(routes)).toEqual(new Set(['/voice', '/voice/input', '/voice/status', '/voice/rescue/dial']));
    expect(res.text).toMatch(/^portal_line_webhook_duration_seconds_count 8$/m);
  } finally {
    await line.close();
  }
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
