import { Redis } from 'ioredis';
import request from 'supertest';
import { CLOSED_DESK } from '../../src/simulator/demo-settings';
import type { RedisStore } from '../../src/backend/redis/session-store';
import type { SessionStore } from '../../src/store/session-store';
import type { Backend } from '../../src/backend/backend';
import { productionBackend, startLine, type TestLine } from '../helpers/line';
import { startRedis, type RedisProcess } from '../helpers/redis-server';

/**
 * A callback booked while a real redis-server holds its writes (CLIENT PAUSE WRITE): the callback's write is
 * answered after the turn gave up on it, and lands then. What the caller heard and what the desk lists agree: a
 * caller told "I couldn't book a callback" has none waiting on the desk, also when the same webhook reached two
 * instances.
 */
jest.setTimeout(30_000);

const CALLER = '+12045550123';
const BOOKED = 'The desk will call you back';
const NOT_BOOKED = "I'm sorry, I couldn't book a callback.";

let redis: RedisProcess;
let backend: Backend;
let store: SessionStore;
let first: TestLine;
let second: TestLine;
let admin: Redis;
let n = 0;
const sid = () => `CA${Date.now().toString(16).padStart(16, '0')}${(n++).toString(16).padStart(16, '0')}`;

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function nextTurn(twiml: string): number {
  const m = /\?t=(\d+)/.exec(twiml);
  if (m === null) throw new Error(`no action with a turn in ${twiml}`);
  return Number(m[1]);
}

/** The callbacks waiting on the desk, as its page lists them. */
const openOnDesk = async (line: TestLine) => (await line.line.callbacks.open()).map((c) => c.id);
const pending = (line: TestLine) => line.line.callbacks.pendingWithdrawals;

/** A call at the closed desk up to "To be called back on this phone, press 1": the next key books it. */
async function upToBooking(line: TestLine, callSid: string): Promise<number> {
  let twiml = (await line.post('/voice', { CallSid: callSid, From: CALLER }).expect(200)).text;
  for (const key of ['1', '1', '3']) {
    twiml = (await line.post(`/voice/input?t=${nextTurn(twiml)}`, { CallSid: callSid, From: CALLER, Digits: key }).expect(200)).text;
  }
  expect(twiml).toContain('To be called back on this phone, press 1.');
  return nextTurn(twiml);
}

beforeEach(async () => {
  redis = await startRedis();
  backend = productionBackend({ REDIS_URL: redis.url });
  store = backend.calls;
  const started = Date.now();
  const now = () => new Date(CLOSED_DESK.now.getTime() + (Date.now() - started));
  first = await startLine({ backend }, CLOSED_DESK.env, undefined, { now });
  second = await startLine({ backend: productionBackend({ REDIS_URL: redis.url }) }, CLOSED_DESK.env, undefined, { now });
  admin = new Redis(redis.url);
  await until(async () => (await request(first.app).get('/readyz')).status === 200);
});

afterEach(async () => {
  admin.disconnect();
  await first.close();
  await second.close();
  await backend.close();
  await second.backend.close();
  await redis.stop();
});

test('the callback is written after the turn gave up on it: the caller hears it was not booked, and the desk does not list it', async () => {
  const callSid = sid();
  const t = await upToBooking(first, callSid);
  // Writes wait 800 ms: the callback's write is answered after its deadline (the command times out at 500 ms) and
  // then lands; the call's own save lands at 800 ms, within the turn's 1.2 s.
  await admin.call('CLIENT', 'PAUSE', '800', 'WRITE');
  const answer = (await first.post(`/voice/input?t=${t}`, { CallSid: callSid, From: CALLER, Digits: '1' }).expect(200)).text;
  expect(answer).toContain(NOT_BOOKED);
  expect(answer).not.toContain(BOOKED);

  // The callback's write landed after the answer (its hash is there), and was withdrawn.
  const item = `${(store as RedisStore).prefix}:{callbacks}:item:${callSid}`;
  await until(async () => (await admin.hget(item, 'status')) === 'withdrawn');
  await until(async () => pending(first) === 0);
  expect(await openOnDesk(first)).toEqual([]);
  expect(await openOnDesk(second)).toEqual([]);

  // Redis well again: the next caller's callback is booked, and listed.
  const next = sid();
  const booked = (
    await first.post(`/voice/input?t=${await upToBooking(first, next)}`, { CallSid: next, From: CALLER, Digits: '1' }).expect(200)
  ).text;
  expect(booked).toContain(BOOKED);
  expect(await openOnDesk(second)).toEqual([next]);
});

test('the same webhook on two instances while writes wait: whatever each answered, the desk agrees with it', async () => {
  const callSid = sid();
  const t = await upToBooking(first, callSid);
  await admin.call('CLIENT', 'PAUSE', '800', 'WRITE');
  const press = { CallSid: callSid, From: CALLER, Digits: '1' };
  const answers = (await Promise.all([first.post(`/voice/input?t=${t}`, press), second.post(`/voice/input?t=${t}`, press)])).map(
    (res) => res.text,
  );
  await until(async () => pending(first) === 0 && pending(second) === 0);
  await new Promise((r) => setTimeout(r, 200));
  const open = await openOnDesk(second);
  // Twilio hears one of the two: an answer that says booked has the callback on the desk; none, and it is not there.
  const said = answers.map((a) => (a.includes(BOOKED) ? 'booked' : a.includes(NOT_BOOKED) ? 'not booked' : 'transferred'));
  expect({ said, open }).toEqual({ said, open: said.includes('booked') ? [callSid] : [] });
});
