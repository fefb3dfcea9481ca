import request from 'supertest';
import { Metrics, storeFailure } from '../../src/common/metrics';
import { DeadlineExceeded, withDeadline } from '../../src/common/deadline';
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
  expect(await b.render()).not.toContain('portal_line_store_round_trips_total{operation="load"}');
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

/** The value of one sample in `text`, or undefined when it is not there. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('a store failure is told apart: refused by Redis (READONLY, OOM, MISCONF, from a script too), over its deadline, or unreachable', async () => {
  const refusals = [
    "READONLY You can't write against a read only replica.",
    "OOM command not allowed when used memory > 'maxmemory'.",
    'MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.',
    "Redis refuses writes: OOM command not allowed when used memory > 'maxmemory'.",
    "READONLY You can't write against a read only replica. script: 1f2e, on @user_script:3.",
  ];
  for (const message of refusals) expect(storeFailure(Object.assign(new Error(message), { name: 'ReplyError' }))).toBe('refused');
  await expect(withDeadline(new Promise<never>(() => undefined), 1, 'loading the call')).rejects.toBeInstanceOf(DeadlineExceeded);
  expect(storeFailure(await withDeadline(new Promise<never>(() => undefined), 1, 'x').catch((e: unknown) => e))).toBe('timeout');
  expect(storeFailure(new Error('Command timed out'))).toBe('timeout');
  expect(storeFailure(new Error('Redis at 127.0.0.1:6379 does not answer in time'))).toBe('timeout');
  for (const other of [new Error('Connection is closed.'), new Error('cannot reach Redis at 127.0.0.1:6379'), 'boom'])
    expect(storeFailure(other)).toBe('unreachable');
  // A word that merely contains a code is not one.
  expect(storeFailure(new Error('ZOOMED out'))).toBe('unreachable');
});

test('what the alerts read is on /metrics from the start, at zero: fallback, refusals, dials, store failures, readiness', async () => {
  const line = await startLine('memory');
  try {
    const text = await line.metrics();
    expect(sample(text, 'portal_line_webhooks_total{route="/voice/fallback",outcome="fallback-rescued"}')).toBe(0);
    for (const status of ['400', '403', '413', '415'])
      expect(sample(text, `portal_line_webhooks_refused_total{status="${status}"}`)).toBe(0);
    for (const status of ['completed', 'answered', 'busy', 'no-answer', 'failed', 'canceled'])
      expect(sample(text, `portal_line_desk_dials_total{status="${status}"}`)).toBe(0);
    for (const operation of ['load', 'save', 'restore', 'end', 'ping', 'insights'])
      for (const kind of ['refused', 'timeout', 'unreachable'])
        expect(sample(text, `portal_line_store_failures_total{operation="${operation}",kind="${kind}"}`)).toBe(0);
    expect(sample(text, 'portal_line_ready')).toBe(1);
  } finally {
    await line.close();
  }
});

test('refused webhooks are counted by status, each one, though the log samples them', async () => {
  const line = await startLine('memory');
  try {
    const call = { CallSid: `CA${'e'.repeat(32)}`, From: '+15555550123', To: '+15555550100' };
    for (let i = 0; i < 3; i++) await line.post('/voice', call, { signature: 'forged' }).expect(403);
    await line.post('/voice/status', call, { signature: null }).expect(403);
    await request(line.app).post('/voice').set('Content-Type', 'application/json').send('{}').expect(415);
    await line.post('/voice/dial?t=1', { ...call, DialCallStatus: 'ringing' }).expect(400);
    const text = await line.metrics();
    expect(sample(text, 'portal_line_webhooks_refused_total{status="403"}')).toBe(4);
    expect(sample(text, 'portal_line_webhooks_refused_total{status="415"}')).toBe(1);
    expect(sample(text, 'portal_line_webhooks_refused_total{status="400"}')).toBe(1);
    expect(line.logs.filter((l) => l.includes('"status":403')).length).toBeLessThan(4);
  } finally {
    await line.close();
  }
});

test("the desk's dials are counted by how Twilio says they went, from a transfer and from a rescue", async () => {
  const line = await startLine('memory');
  try {
    const callSid = `CA${'f'.repeat(32)}`;
    await line.post('/voice/rescue/dial', { CallSid: callSid, DialCallStatus: 'busy' }).expect(200);
    await line.post('/voice/rescue/dial', { CallSid: callSid, DialCallStatus: 'no-answer' }).expect(200);
    await line.post('/voice/rescue/dial?d=1', { CallSid: callSid, DialCallStatus: 'no-answer' }).expect(200);
    await line.call('0,answer');
    const text = await line.metrics();
    expect(sample(text, 'portal_line_desk_dials_total{status="busy"}')).toBe(1);
    expect(sample(text, 'portal_line_desk_dials_total{status="no-answer"}')).toBe(2);
    expect(sample(text, 'portal_line_desk_dials_total{status="completed"}')).toBe(1);
    expect(sample(text, 'portal_line_desk_dials_total{status="failed"}')).toBe(0);
  } finally {
    await line.close();
  }
});

test('portal_line_ready follows /readyz at each scrape: 0 with the store ping failing (counted), 1 again once it answers', async () => {
  const line = await startLine('memory');
  try {
    const ping = line.store.ping.bind(line.store);
    Object.assign(line.store, { ping: () => Promise.reject(new Error('Connection is closed.')) });
    await request(line.app).get('/readyz').expect(503);
    const down = await line.metrics();
    expect(sample(down, 'portal_line_ready')).toBe(0);
    expect(sample(down, 'portal_line_store_failures_total{operation="ping",kind="unreachable"}')).toBeGreaterThanOrEqual(1);
    Object.assign(line.store, { ping: () => new Promise<never>(() => undefined) });
    const slow = await line.metrics();
    expect(sample(slow, 'portal_line_ready')).toBe(0);
    Object.assign(line.store, { ping });
    await request(line.app).get('/readyz').expect(200);
    const up = await line.metrics();
    expect(sample(up, 'portal_line_ready')).toBe(1);
    expect(sample(up, 'portal_line_store_failures_total{operation="ping",kind="timeout"}')).toBe(1);
  } finally {
    await line.close();
  }
});
