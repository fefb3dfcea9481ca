import { Redis } from 'ioredis';
import request from 'supertest';
import { readTwiml } from '../../src/simulator/twiml-reader';
import type { SessionStore } from '../../src/store/session-store';
import type { Backend } from '../../src/backend/backend';
import { productionBackend, startLine, type TestLine } from '../helpers/line';
import { liveCall } from '../helpers/stored';
import { freePort, startRedis, type RedisProcess } from '../helpers/redis-server';

/**
 * The store misbehaves under real conditions: a private redis-server is stopped, slowed (DEBUG SLEEP, CLIENT
 * PAUSE) and restarted. Every webhook still answers within 1.5 s with valid TwiML; where the call's state can be
 * read it continues, where not the caller is told and transferred; readiness follows the store; the line recovers
 * by itself.
 */
jest.setTimeout(60_000);

const call = (sid: string, extra: Record<string, string> = {}) => ({ CallSid: sid, From: '+16045551234', To: '+18005550100', ...extra });
const sid = (n: number) => `CA${n.toString(16).padStart(32, '0')}`;

let redis: RedisProcess;
let backend: Backend;
let store: SessionStore;
let first: TestLine;
let second: TestLine;

async function timed(req: request.Test): Promise<{ ms: number; res: request.Response }> {
  const started = Date.now();
  const res = await req;
  return { ms: Date.now() - started, res };
}

/** A transfer to the desk, as the rescue path answers. */
function expectTransferToDesk(text: string): void {
  const verbs = readTwiml(text);
  expect(verbs.map((v) => v.verb)).toEqual(['Say', 'Dial']);
  expect(verbs[1]).toMatchObject({ numbers: [{ number: '+18006052965' }] });
}

async function until(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeEach(async () => {
  redis = await startRedis(['--enable-debug-command', 'yes']);
  backend = productionBackend({ REDIS_URL: redis.url });
  store = backend.calls;
  first = await startLine({ backend });
  // A second instance on the same Redis: it has not seen the calls, so it must read them from the store.
  second = await startLine({ backend: productionBackend({ REDIS_URL: redis.url }) });
  await until(async () => (await request(first.app).get('/readyz')).status === 200);
});

afterEach(async () => {
  await backend.close();
  await second.backend.close();
  await redis.stop();
});

test('Redis down: webhooks answer fast with a transfer, readiness is 503, and the line recovers when Redis is back', async () => {
  await first.post('/voice', call(sid(1))).expect(200);
  await redis.stop();

  for (const line of [first, second]) {
    const { ms, res } = await timed(line.post('/voice/input?t=1', call(sid(1), { Digits: '1' })));
    expect(res.status).toBe(200);
    expect(ms).toBeLessThan(1500);
    expectTransferToDesk(res.text);
  }
  const { ms, res } = await timed(first.post('/voice', call(sid(2))));
  expect(ms).toBeLessThan(1500);
  expect(readTwiml(res.text)[0]).toMatchObject({ verb: 'Say', text: expect.stringContaining('technical problem') });
  expect((await request(first.app).get('/readyz')).status).toBe(503);

  redis = await startRedis(['--enable-debug-command', 'yes'], redis.port);
  await until(async () => (await request(first.app).get('/readyz')).status === 200);
  const fresh = await first.post('/voice', call(sid(3))).expect(200);
  expect(readTwiml(fresh.text)[0]).toMatchObject({ verb: 'Gather' });
});

test.each([
  ['DEBUG SLEEP', (r: Redis) => r.call('DEBUG', 'SLEEP', '3')],
  ['CLIENT PAUSE', (r: Redis) => r.call('CLIENT', 'PAUSE', '3000', 'ALL')],
])('Redis slow (%s): every webhook still answers within 1.5 s, with a transfer', async (_name, slowDown) => {
  await first.post('/voice', call(sid(4))).expect(200);
  const admin = new Redis(redis.url);
  const stall = slowDown(admin).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 100));
  const answers = await Promise.all([
    timed(second.post('/voice/input?t=1', call(sid(4), { Digits: '2' }))),
    timed(first.post('/voice', call(sid(5)))),
    timed(first.post('/voice/status', call(sid(4), { CallStatus: 'completed' }))),
  ]);
  for (const { ms, res } of answers) {
    expect(ms).toBeLessThan(1500);
    expect(res.status).toBeLessThan(500);
  }
  expectTransferToDesk(answers[0].res.text);
  expectTransferToDesk(answers[1].res.text);
  await stall;
  admin.disconnect();
});

test('Redis restarted mid-call without its data: the instance that has the call puts it back; another transfers with the reference', async () => {
  await first.post('/voice', call(sid(6))).expect(200);
  await first.post('/voice/input?t=1', call(sid(6), { Digits: '3' })).expect(200);
  await second.post('/voice', call(sid(7))).expect(200);
  await redis.stop();
  redis = await startRedis(['--enable-debug-command', 'yes'], redis.port);
  await until(
    async () => (await request(first.app).get('/readyz')).status === 200 && (await request(second.app).get('/readyz')).status === 200,
  );

  // The first instance saved call 6 last: it continues where it was (the MFA questions) and is stored again.
  const continued = await first.post('/voice/input?t=2', call(sid(6), { Digits: '2' })).expect(200);
  expect(readTwiml(continued.text)[0]).toMatchObject({
    verb: 'Gather',
    says: [expect.stringContaining('Have you changed your mobile device?')],
  });
  expect((await liveCall(store, sid(6)))?.record.call.value).toBe('mfa-changed-device');

  // Call 7 lived on the second instance; the first has never seen it: the caller is told and transferred.
  const lost = await first.post('/voice/input?t=1', call(sid(7), { Digits: '1' })).expect(200);
  expect(readTwiml(lost.text)[0]).toMatchObject({ verb: 'Say', text: expect.stringContaining('I lost track of where we were') });
  expect(lost.text).toContain('Your reference number is');
});

describe('readiness: the store must take writes, and /readyz says why in plain words when it does not', () => {
  const readiness = async () => {
    const res = await request(first.app).get('/readyz');
    return { status: res.status, reason: (res.body as { reason?: string }).reason };
  };

  test('a Redis full under maxmemory with noeviction answers PING but refuses writes: 503 with its OOM text, 200 again once it has room', async () => {
    const admin = new Redis(redis.url);
    try {
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await admin.config('SET', 'maxmemory', '1');
      expect(await admin.ping()).toBe('PONG');
      const full = await readiness();
      expect(full.status).toBe(503);
      expect(full.reason).toMatch(/^Redis refuses writes: OOM command not allowed when used memory > 'maxmemory'/);
      await admin.config('SET', 'maxmemory', '0');
      expect(await readiness()).toEqual({ status: 200, reason: undefined });
    } finally {
      admin.disconnect();
    }
  });

  test('a Redis that refuses writes shows on /metrics: portal_line_ready 0, each refusal counted by operation as refused', async () => {
    const admin = new Redis(redis.url);
    const sample = (text: string, series: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${series} `))
          ?.split(' ')[1],
      );
    try {
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await admin.config('SET', 'maxmemory', '1');
      // A new call cannot be saved: the caller hears why and is transferred; the refused save is counted.
      const res = await first.post('/voice', call(sid(40))).expect(200);
      expectTransferToDesk(res.text);
      // The probe's refusals too (a scrape counts its own in the next one's figures).
      expect((await readiness()).status).toBe(503);
      const full = await first.metrics();
      expect(sample(full, 'portal_line_ready')).toBe(0);
      expect(sample(full, 'portal_line_store_failures_total{operation="save",kind="refused"}')).toBe(1);
      expect(sample(full, 'portal_line_store_failures_total{operation="ping",kind="refused"}')).toBeGreaterThanOrEqual(1);
      expect(sample(full, 'portal_line_store_failures_total{operation="save",kind="unreachable"}')).toBe(0);
      await admin.config('SET', 'maxmemory', '0');
      expect(sample(await first.metrics(), 'portal_line_ready')).toBe(1);
    } finally {
      admin.disconnect();
    }
  });

  test('a read-only replica refuses writes: 503 with its READONLY text, 200 again once it is a primary', async () => {
    const admin = new Redis(redis.url);
    try {
      // A primary that is not there: the server turns replica (read-only by default) and keeps answering reads.
      await admin.call('REPLICAOF', '127.0.0.1', String(await freePort()));
      const replica = await readiness();
      expect(replica.status).toBe(503);
      expect(replica.reason).toMatch(/^Redis refuses writes: READONLY You can't write against a read only replica/);
      await admin.call('REPLICAOF', 'NO', 'ONE');
      await until(async () => (await readiness()).status === 200);
    } finally {
      admin.disconnect();
    }
  });

  test("a stopped Redis: 503 'cannot reach Redis at host:port', not the client library's internal message", async () => {
    await redis.stop();
    const down = await readiness();
    expect(down).toEqual({ status: 503, reason: `cannot reach Redis at 127.0.0.1:${redis.port}` });
  });
});
