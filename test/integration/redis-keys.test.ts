import nock from 'nock';
import { boundedKeys } from '../helpers/bounded-keys';
import { DeskAgent, deskUsers, eventually } from '../helpers/desk';
import { startLine, type TestLine } from '../helpers/line';

/**
 * What the line keeps in Redis, after calls that end, transfer, book a callback, sign an agent in, and send texts
 * that go, fail for good and fail on a number Twilio quotes back: every key expires, or is one of the few bounded
 * ones docs/operations.md lists; and no key, field or stream entry holds a caller's number except where it says.
 */

const ACCOUNT = `AC${'1'.repeat(32)}`;
const CALLER = '+12045550123';
const DIGITS = '5555550123';
const API = 'https://api.twilio.com';
const PATH = `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`;

let n = 0;
const callSid = () => `CA${Date.now().toString(16).padStart(16, '0')}${(n++).toString(16).padStart(16, '0')}`;
const nextTurn = (twiml: string) => Number(/\?t=(\d+)/.exec(twiml)![1]);

let line: TestLine;
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});
afterEach(async () => {
  await line?.close();
  nock.cleanAll();
});

async function call(keys: string[], from = CALLER, dial?: string): Promise<string> {
  const sid = callSid();
  let twiml = (await line.post('/voice', { CallSid: sid, From: from }).expect(200)).text;
  for (const key of keys) {
    if (key === 'busy') {
      twiml = (await line.post(`/voice/dial?t=${nextTurn(twiml)}`, { CallSid: sid, From: from, DialCallStatus: dial ?? 'busy' })).text;
      continue;
    }
    twiml = (await line.post(`/voice/input?t=${nextTurn(twiml)}`, { CallSid: sid, From: from, Digits: key }).expect(200)).text;
  }
  return sid;
}

const metric = async (event: string) => {
  const m = new RegExp(`portal_line_text_messages_total\\{event="${event}"\\} (\\d+)`).exec(await line.metrics());
  return Number(m?.[1]);
};

/** Everything a key holds, as text, whatever its type. */
async function contents(key: string): Promise<string> {
  const redis = line.redis!;
  const type = await redis.type(key);
  if (type === 'string') return (await redis.get(key)) ?? '';
  if (type === 'hash') return JSON.stringify(await redis.hgetall(key));
  if (type === 'list') return JSON.stringify(await redis.lrange(key, 0, -1));
  if (type === 'set') return JSON.stringify(await redis.smembers(key));
  if (type === 'zset') return JSON.stringify(await redis.zrange(key, 0, -1));
  if (type === 'stream') return JSON.stringify(await redis.xrange(key, '-', '+'));
  return '';
}

test('every key under the prefix expires or is bounded, and none holds the number of a text that is done with', async () => {
  line = await startLine('redis', {
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_MESSAGING_FROM: '+15555550100',
    SMS_DAILY_LIMIT: '5',
    DESK_USERS: await deskUsers(),
  });
  const scope = nock(API)
    .post(PATH)
    .reply(201, { sid: `SM${'1'.repeat(32)}`, status: 'queued' })
    .post(PATH)
    .reply(400, { code: 21211, message: `The 'To' number ${CALLER} is not a valid phone number.`, status: 400 })
    .post(PATH)
    .reply(400, { code: 21614, message: `'To' number ${CALLER} is not a valid mobile number`, status: 400 });
  await call(['2', '8']); // steps by text: sent
  await call(['4', '8']); // another's steps: 21211
  await call(['0', 'busy', '8']); // the desk busy, its number by text: 21614
  await call(['0', 'busy', '3', '1']); // a callback
  await call(['1', '1']); // a transfer
  await new DeskAgent(line.app).signIn();
  await eventually(async () => ((await metric('sent')) === 1 && (await metric('refused')) === 2 ? true : undefined), 5000);
  scope.done();
  await line.post('/messages/status', { MessageSid: `SM${'1'.repeat(32)}`, MessageStatus: 'undelivered', ErrorCode: '30003' }).expect(204);
  // The desk's events are written in batches.
  await new Promise((r) => setTimeout(r, 300));
  // The flow's insights of these calls, written as each second's are.
  await line.line.insights!.flush();

  const redis = line.redis!;
  // The keys without a time to live, and how each is bounded (docs/operations.md: "What the line keeps in Redis").
  const BOUNDED = boundedKeys(redis);
  const keys = await redis.keys(`${line.prefix}:*`);
  expect(keys.some((k) => k.includes(':{sms}:text-messages:'))).toBe(true);
  expect(keys.some((k) => k.includes(':{insights}:portal-login:'))).toBe(true);
  const unbounded: string[] = [];
  const holdingNumber: string[] = [];
  for (const key of keys) {
    const ttl = await redis.ttl(key);
    const bound = BOUNDED.find(([pattern]) => pattern.test(key));
    if (ttl < 0 && (bound === undefined || !(await bound[2](key)))) unbounded.push(`${key} (${await redis.type(key)})`);
    // Where the number is kept on purpose, for as long as docs/operations.md says: a callback (to call back), a transfer
    // card, the day's list and the call's own list (the agent calls back). Nowhere else.
    const kept = /\{desk-day:[^}]*\}:events$|\{callbacks\}:item:|:desk:call:/.test(key);
    if (!kept && (await contents(key)).includes(DIGITS)) holdingNumber.push(key);
  }
  expect(unbounded).toEqual([]);
  expect(holdingNumber).toEqual([]);
});
