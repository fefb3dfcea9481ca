import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import request from 'supertest';
import { readTwiml } from '../../src/simulator/twiml-reader';
import { signWebhook } from '../../src/telephony/signature';
import { AUTH_TOKEN, BASE_URL, startLine, type TestLine } from '../helpers/line';

/**
 * Thousands of random and malformed webhooks, signed and unsigned, oversized, with wrong content types, unknown
 * parameters and odd encodings: never a 5xx, every 200 is TwiML, no key without a time to live, memory flat.
 * The cases come from a seeded generator, so a failure can be replayed with FUZZ_SEED.
 */
jest.setTimeout(120_000);

const SEED = Number(process.env.FUZZ_SEED ?? 20261127);
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}

const PATHS = [
  '/voice',
  '/voice/input',
  '/voice/dial',
  '/voice/whisper',
  '/voice/status',
  '/voice/fallback',
  '/voice/rescue/dial',
  '/voice/rescue/choice',
  '/voice/../admin',
  '/voice/input/',
  '/nowhere',
  '/voice//input',
];
const QUERIES = [
  '',
  '?t=1',
  '?t=2',
  '?t=0',
  '?t=-1',
  '?t=abc',
  '?t=99999999999',
  '?t=1&t=2',
  '?w=hello',
  `?w=${'x'.repeat(3000)}`,
  '?n=1',
  '?n=99',
  '?%zz=1',
  '?t=1%00',
];
const STRINGS = [
  '',
  '1',
  '0',
  '*',
  '#',
  '12',
  '٣',
  '\u0000',
  '%',
  '%ZZ',
  'é',
  '😀',
  '<Say>',
  ']]>',
  'a'.repeat(300),
  'completed',
  'busy',
  'no-answer',
  'in-progress',
  'CA' + '1'.repeat(32),
];
const CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=latin1',
  'application/x-www-form-urlencoded; charset=utf-16',
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=x',
  '',
];

type Case = { path: string; contentType: string; body: string; signature?: string };

function makeCase(g: ReturnType<typeof generator>, sids: string[]): Case {
  const path = g.pick(PATHS) + g.pick(QUERIES);
  const params: Record<string, string> = {};
  if (g.next() < 0.9) params.CallSid = g.next() < 0.7 ? g.pick(sids) : g.pick(STRINGS);
  for (const name of ['Digits', 'DialCallStatus', 'CallStatus', 'CallDuration', 'From', 'To', 'AccountSid', 'Unknown', 'ErrorCode'])
    if (g.next() < 0.3) params[name] = g.pick(STRINGS);
  let body = new URLSearchParams(params).toString();
  const shape = g.int(10);
  if (shape === 0) body = 'x'.repeat(16 * 1024 + g.int(50_000)); // over the size limit
  if (shape === 1) body = '%E0%A4%A&=%&&CallSid=%ZZ'; // broken percent-encoding
  if (shape === 2) body = Array.from({ length: 150 }, (_, i) => `p${i}=1`).join('&'); // too many parameters
  if (shape === 3) body = `${body}&CallSid=${g.pick(sids)}`; // a repeated parameter
  const contentType = g.next() < 0.8 ? CONTENT_TYPES[0]! : g.pick(CONTENT_TYPES);
  const signed = g.next() < 0.7 && shape > 3;
  return {
    path,
    contentType,
    body,
    ...(signed ? { signature: signWebhook(AUTH_TOKEN, BASE_URL + path, params).signature } : g.next() < 0.5 ? { signature: 'bogus' } : {}),
  };
}

function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

let line: TestLine;
beforeAll(async () => {
  line = await startLine('redis');
});
afterAll(async () => {
  await line.close();
});

test(`random and malformed webhooks (seed ${SEED})`, async () => {
  const g = generator(SEED);
  const sids = Array.from({ length: 50 }, (_, i) => `CA${i.toString(16).padStart(32, 'f')}`);
  // Some calls in progress, so that signed cases reach real state.
  for (const sid of sids.slice(0, 25)) await line.post('/voice', { CallSid: sid }).expect(200);
  const statuses = new Map<number, number>();
  const heaps: number[] = [];
  for (let batch = 0; batch < 4; batch++) {
    for (let i = 0; i < 1000; i++) {
      const c = makeCase(g, sids);
      const req = request(line.app).post(c.path);
      if (c.contentType !== '') req.set('Content-Type', c.contentType);
      if (c.signature !== undefined) req.set('X-Twilio-Signature', c.signature);
      const res = await req.send(c.body);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) throw new Error(`HTTP ${res.status} for ${JSON.stringify(c).slice(0, 300)}: ${res.text.slice(0, 200)}`);
      if (res.status === 200) expect(() => readTwiml(res.text)).not.toThrow();
      expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/); // no stack trace
    }
    heaps.push(heapAfterGc());
  }
  // Every kind of answer was reached, and none was a 5xx.
  for (const status of [200, 400, 403, 404, 413, 415]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
  // Memory is flat: after the first batch warms up, the heap does not keep growing.
  expect(heaps[3]! - heaps[1]!).toBeLessThan(4 * 1024 * 1024);
  // No key without a time to live.
  const keys = await line.redis!.keys(`${line.prefix}:*`);
  expect(keys.length).toBeGreaterThan(0);
  for (const key of keys) expect(await line.redis!.ttl(key)).toBeGreaterThan(0);
});
