import nock from 'nock';
import request from 'supertest';
import { Redis } from 'ioredis';
import type { Backend } from '../../src/backend/backend';
import { productionBackend, startLine, type TestLine } from '../helpers/line';
import { eventually } from '../helpers/desk';
import { startRedis, type RedisProcess } from '../helpers/redis-server';

/**
 * A text asked for while the private Redis is paused (CLIENT PAUSE): the caller hears it could not be sent, no job
 * is kept and nothing is counted once Redis answers again; asked again then, it is queued and sent once.
 */
jest.setTimeout(60_000);

const ACCOUNT = `AC${'1'.repeat(32)}`;
const CALLER = '+12045550123';
const API = 'https://api.twilio.com';
const PATH = `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`;
const nextTurn = (twiml: string) => Number(/\?t=(\d+)/.exec(twiml)![1]);
const sid = `CA${'9'.repeat(32)}`;

let redis: RedisProcess;
let backend: Backend;
let line: TestLine;
let admin: Redis;

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});
beforeEach(async () => {
  redis = await startRedis();
  backend = productionBackend({ REDIS_URL: redis.url });
  line = await startLine({ backend }, { TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_MESSAGING_FROM: '+15555550100', SMS_DAILY_LIMIT: '1' });
  admin = new Redis(redis.url);
  await eventually(async () => ((await request(line.app).get('/readyz')).status === 200 ? true : undefined), 10_000);
});
afterEach(async () => {
  admin.disconnect();
  await line.close();
  await backend.close();
  await redis.stop();
  nock.cleanAll();
});

test('8 while Redis is paused: "I couldn\'t send the text just now", nothing counted or kept; 8 again later sends it once', async () => {
  let posts = 0;
  const scope = nock(API)
    .post(PATH, () => (posts++, true))
    .reply(201, { sid: `SM${'2'.repeat(32)}`, status: 'queued' });
  let twiml = (await line.post('/voice', { CallSid: sid, From: CALLER }).expect(200)).text;
  twiml = (await line.post(`/voice/input?t=${nextTurn(twiml)}`, { CallSid: sid, From: CALLER, Digits: '2' }).expect(200)).text;
  expect(twiml).toContain('press 8');

  // Writes wait 800 ms: the take's command times out (500 ms) and the call's save, sent after it, goes through.
  await admin.call('CLIENT', 'PAUSE', '800', 'WRITE');
  const during = (await line.post(`/voice/input?t=${nextTurn(twiml)}`, { CallSid: sid, From: CALLER, Digits: '8' }).expect(200)).text;
  expect(during).not.toContain('already texted');
  expect(during).not.toContain("I'll text");
  expect(during).toContain("I couldn't send the text just now.");

  // Redis answers again: the take ran late, and was given back.
  await new Promise((r) => setTimeout(r, 1000));
  const keys = await admin.keys('*{sms}:*');
  expect(keys.filter((k) => /:call:|text-messages:CA/.test(k))).toEqual([]);
  for (const day of keys.filter((k) => k.includes(':day:'))) expect(await admin.get(day)).toBe('0');
  expect(posts).toBe(0);

  // Asked again (the day's limit is 1: it was not used up), it is queued and sent once.
  const again = (await line.post(`/voice/input?t=${nextTurn(during)}`, { CallSid: sid, From: CALLER, Digits: '8' }).expect(200)).text;
  expect(again).toContain("I'll text these steps to this phone.");
  await eventually(async () => (scope.isDone() ? true : undefined), 5000);
  await new Promise((r) => setTimeout(r, 1500));
  expect(posts).toBe(1);
});
