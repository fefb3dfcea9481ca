import { Redis } from 'ioredis';
import request from 'supertest';
import { readTwiml } from '../../src/simulator/twiml-reader';
import type { Backend } from '../../src/backend/backend';
import { productionBackend, startLine, type TestLine } from '../helpers/line';
import { startSentinelSetup, type SentinelSetup } from '../helpers/redis-topologies';

/**
 * Redis Sentinel: the primary is killed while calls are in progress. Every webhook is answered with valid TwiML
 * within 1.5 s (calls continue, or are told and transferred), and once the sentinels have promoted the replica,
 * calls go on normally. Callbacks asked before the kill are all there after it.
 */
jest.setTimeout(120_000);

let setup: SentinelSetup;
let backend: Backend;
let line: TestLine;
beforeAll(async () => {
  setup = await startSentinelSetup();
  backend = productionBackend({ REDIS_SENTINELS: setup.sentinels, REDIS_SENTINEL_NAME: setup.name });
  line = await startLine({ backend });
});
afterAll(async () => {
  await line?.close();
  await backend?.close();
  await setup?.stop();
});

const sid = (n: number) => `CA${n.toString(16).padStart(32, '0')}`;
// Each call from a number of its own: one callback per number is open at a time.
const params = (n: number, extra: Record<string, string> = {}) => ({ CallSid: sid(n), From: `+1604555${1000 + n}`, ...extra });

test('calls survive the primary being killed', async () => {
  const deadline = Date.now() + 5000;
  while ((await request(line.app).get('/readyz')).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const before = await setup.primaryPort();
  expect(before).toBe(setup.primary.port);

  // Twenty calls in progress, each at its first question.
  for (let n = 0; n < 20; n++) await line.post('/voice', params(n)).expect(200);
  // Five callers asked for a callback at a busy desk.
  const asked: string[] = [];
  for (let n = 200; n < 205; n++) {
    let twiml = (await line.post('/voice', params(n)).expect(200)).text;
    const next = () => Number(/t=(\d+)/.exec(twiml)![1]);
    twiml = (await line.post(`/voice/input?t=${next()}`, params(n, { Digits: '0' })).expect(200)).text;
    twiml = (await line.post(`/voice/dial?t=${next()}`, params(n, { DialCallStatus: 'busy' })).expect(200)).text;
    twiml = (await line.post(`/voice/input?t=${next()}`, params(n, { Digits: '3' })).expect(200)).text;
    twiml = (await line.post(`/voice/input?t=${next()}`, params(n, { Digits: '1' })).expect(200)).text;
    expect(twiml).toContain('call you back');
    asked.push(sid(n));
  }
  // The calls' state has reached the replica (WAIT), then the primary dies.
  const primary = new Redis(setup.primary.url);
  await primary.call('WAIT', '1', '2000');
  primary.disconnect();
  await setup.primary.stop();

  // Callers keep pressing keys through the failover; each answer is valid TwiML, in time, never a 5xx.
  let transfers = 0;
  let continued = 0;
  const version = new Map<number, number>();
  const failoverDeadline = Date.now() + 60_000;
  let promoted = false;
  for (let round = 0; !promoted || round < 3; round++) {
    for (let n = 0; n < 20; n++) {
      const t = version.get(n) ?? 1;
      const started = Date.now();
      const res = await line.post(`/voice/input?t=${t}`, params(n, { Digits: '*' }));
      expect(Date.now() - started).toBeLessThan(1500);
      expect(res.status).toBe(200);
      const verbs = readTwiml(res.text);
      if (verbs[0]?.verb === 'Gather') {
        continued++;
        version.set(n, Number(/t=(\d+)/.exec(res.text)![1]));
      } else {
        expect(verbs.map((v) => v.verb)).toEqual(['Say', 'Dial']);
        transfers++;
      }
    }
    promoted = (await setup.primaryPort().catch(() => before)) !== before;
    if (Date.now() > failoverDeadline) throw new Error('the sentinels did not fail over within 60 s');
    await new Promise((r) => setTimeout(r, 300));
  }
  expect(await setup.primaryPort()).toBe(setup.replica.port);

  // After the failover new calls are answered normally, on the promoted replica.
  const deadline2 = Date.now() + 20_000;
  let fresh = '';
  while (Date.now() < deadline2) {
    fresh = (await line.post('/voice', params(100 + Math.floor(Math.random() * 1e6)))).text;
    if (readTwiml(fresh)[0]?.verb === 'Gather') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(readTwiml(fresh)[0]).toMatchObject({ verb: 'Gather' });
  await request(line.app).get('/readyz').expect(200);
  expect(continued + transfers).toBeGreaterThanOrEqual(20 * 3);

  // Calls that were in progress before the kill, whose state reached the replica, carry on after the promotion.
  let carriedOn = 0;
  for (let n = 0; n < 20; n++) {
    const res = await line.post(`/voice/input?t=${version.get(n) ?? 1}`, params(n, { Digits: '1' }));
    expect(res.status).toBe(200);
    if (readTwiml(res.text)[0]?.verb === 'Gather' && /Did you enter that email address/.test(res.text)) carriedOn++;
  }
  expect(carriedOn).toBeGreaterThanOrEqual(15);

  // The callbacks asked before the kill are all on the promoted replica, open, oldest first.
  expect((await backend.callbacks.open()).map((c) => c.id)).toEqual(asked);
});
