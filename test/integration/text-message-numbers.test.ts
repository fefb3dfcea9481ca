import { createHash } from 'node:crypto';
import nock from 'nock';
import { keyedDigest } from '../../src/common/keyed-digest';
import { portalLogin } from '../helpers/flows';
import { AUTH_TOKEN, startLine, type StoreKind, type TestLine } from '../helpers/line';
import { eventually } from '../helpers/desk';

/**
 * Which numbers get a text message, and how many an hour (SMS pumping: texts triggered by calls from premium or
 * foreign ranges): through the line, on both stores, with Twilio's Messages API faked by nock.
 */

const ACCOUNT = `AC${'1'.repeat(32)}`;
const FROM = '+12045550199';
/** The line's own number: the calls' To. */
const LINE = '+12045550100';
const API = 'https://api.twilio.com';
const PATH = `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`;
const FLOW = portalLogin().flow;
const TEXTS = { TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_MESSAGING_FROM: FROM };

let n = 0;
function callSid(): string {
  return `CA${Date.now().toString(16).padStart(16, '0')}${(n++).toString(16).padStart(16, '0')}`;
}
const nextTurn = (twiml: string) => Number(/\?t=(\d+)/.exec(twiml)![1]);

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});
afterEach(() => nock.cleanAll());

/** A new call from `from` that presses 2 (password steps) then 8; returns the last answer. */
async function askText(line: TestLine, from: string): Promise<string> {
  const sid = callSid();
  let twiml = (await line.post('/voice', { CallSid: sid, From: from, To: LINE }).expect(200)).text;
  for (const key of ['2', '8'])
    twiml = (await line.post(`/voice/input?t=${nextTurn(twiml)}`, { CallSid: sid, From: from, To: LINE, Digits: key }).expect(200)).text;
  return twiml;
}

const QUEUED = "I'll text these steps to this phone.";

async function notSent(line: TestLine, reason: string): Promise<number> {
  const text = await line.metrics();
  return Number(new RegExp(`portal_line_text_messages_not_sent_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1]);
}

async function queued(line: TestLine): Promise<number> {
  const text = await line.metrics();
  return Number(/portal_line_text_messages_total\{event="queued"\} (\d+)/.exec(text)?.[1]);
}

describe.each<StoreKind>(['redis', 'memory'])('text messages on the %s store', (kind) => {
  let line: TestLine;
  afterEach(async () => {
    await line?.close();
  });

  test.each([
    ['+882… (international networks)', '+88213123456', 'invalid'],
    ['+234… (Nigeria)', '+2348031234567', 'country'],
    ['+372… (Estonia)', '+3725123456', 'country'],
    ['1-900 (premium rate)', '+19005551234', 'type'],
    ['1-976', '+19765551234', 'invalid'],
    ['809 (outside the US and Canada)', '+18095551234', 'country'],
    ['the line’s own number', LINE, 'own'],
    ['the number texts go from', FROM, 'own'],
    ['the desk’s own number', '+18006052965', 'type'],
    ['a withheld number', 'anonymous', 'not-a-number'],
  ])('a call from %s gets no text: the caller hears so, it is counted and logged masked', async (_, from, reason) => {
    line = await startLine(kind, TEXTS);
    const twiml = await askText(line, from);
    expect(twiml).toContain(FLOW.system.text.refused);
    expect(twiml).not.toContain(QUEUED);
    expect(await notSent(line, reason)).toBe(1);
    expect(await queued(line)).toBe(0);
    const log = line.logs.find((l) => l.includes('not a number the line texts'))!;
    expect(log).toContain(`"reason":"${reason}"`);
    if (from.startsWith('+')) expect(log).not.toContain(from);
  });

  test('a cap an hour per range of numbers (country and area code), and for the whole line', async () => {
    line = await startLine(kind, { ...TEXTS, SMS_HOURLY_LIMIT: '3', SMS_PREFIX_HOURLY_LIMIT: '2' });
    const scope = nock(API)
      .post(PATH)
      .times(3)
      .reply(201, { sid: `SM${'6'.repeat(32)}`, status: 'queued' });
    // Two from one area code, in parallel with a third: one of the three is refused.
    const winnipeg = await Promise.all(['+12045550101', '+12045550102', '+12045550103'].map((from) => askText(line, from)));
    expect(winnipeg.filter((t) => t.includes(QUEUED))).toHaveLength(2);
    expect(winnipeg.filter((t) => t.includes(FLOW.system.text.refused))).toHaveLength(1);
    expect(await notSent(line, 'prefix')).toBe(1);
    // Another area code is not held back by it...
    expect(await askText(line, '+16135550101')).toContain(QUEUED);
    // ...but the line's cap of 3 is reached.
    expect(await askText(line, '+14165550101')).toContain(FLOW.system.text.refused);
    expect(await notSent(line, 'line')).toBe(1);
    expect(await queued(line)).toBe(3);
    const logs = line.logs.filter((l) => l.includes('cap an hour is reached'));
    expect(logs).toHaveLength(2);
    expect(logs[0]).toContain('"prefix":"+1204"');
    expect(logs.join('')).not.toMatch(/\+1(204|416)555\d{4}/);
    await eventually(async () => (scope.isDone() ? true : undefined), 3000);
    scope.done();
  });

  test("a number over its day's limit uses up nothing of its range's cap an hour: another caller of the range still gets a text", async () => {
    line = await startLine(kind, { ...TEXTS, SMS_DAILY_LIMIT: '1', SMS_PREFIX_HOURLY_LIMIT: '2' });
    const scope = nock(API)
      .post(PATH)
      .times(2)
      .reply(201, { sid: `SM${'5'.repeat(32)}`, status: 'queued' });
    const caller = '+12045550111';
    expect(await askText(line, caller)).toContain(QUEUED);
    // The same number calls again and again: refused by its day's limit, each time.
    for (let i = 0; i < 5; i++) expect(await askText(line, caller)).toContain(FLOW.system.text.refused);
    expect(await notSent(line, 'prefix')).toBe(0);
    // A physician of the same area code: the range's cap of 2 still has room.
    expect(await askText(line, '+12045550112')).toContain(QUEUED);
    await eventually(async () => (scope.isDone() ? true : undefined), 3000);
    scope.done();
  });

  test('a text asked again in the same call is not counted again: the caller hears it was sent, not refused', async () => {
    line = await startLine(kind, { ...TEXTS, SMS_HOURLY_LIMIT: '1' });
    const scope = nock(API)
      .post(PATH)
      .reply(201, { sid: `SM${'9'.repeat(32)}`, status: 'queued' });
    const sid = callSid();
    const from = '+12045550123';
    let twiml = (await line.post('/voice', { CallSid: sid, From: from, To: LINE }).expect(200)).text;
    for (const key of ['2', '8', '8'])
      twiml = (await line.post(`/voice/input?t=${nextTurn(twiml)}`, { CallSid: sid, From: from, To: LINE, Digits: key }).expect(200)).text;
    expect(twiml).toContain(FLOW.system.text.already);
    expect(await notSent(line, 'line')).toBe(0);
    // Another call is over the line's cap of one.
    expect(await askText(line, '+16135550101')).toContain(FLOW.system.text.refused);
    await eventually(async () => (scope.isDone() ? true : undefined), 3000);
    scope.done();
  });

  test('thirty calls from thirty numbers of one range queue no more texts than the range’s cap', async () => {
    line = await startLine(kind, { ...TEXTS, SMS_PREFIX_HOURLY_LIMIT: '4' });
    const scope = nock(API)
      .post(PATH)
      .times(4)
      .reply(201, { sid: `SM${'7'.repeat(32)}`, status: 'queued' });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => askText(line, `+1204555${String(1000 + i)}`)));
    expect(answers.filter((t) => t.includes(QUEUED))).toHaveLength(4);
    expect(await notSent(line, 'prefix')).toBe(26);
    await eventually(async () => (scope.isDone() ? true : undefined), 3000);
    scope.done();
  });
});

test('the daily count per number is kept in Redis under a keyed digest of the number, never a plain hash', async () => {
  const line = await startLine('redis', TEXTS);
  try {
    const scope = nock(API)
      .post(PATH)
      .reply(201, { sid: `SM${'8'.repeat(32)}`, status: 'queued' });
    const caller = '+12045550123';
    expect(await askText(line, caller)).toContain(QUEUED);
    const keys = await line.redis!.keys(`${line.prefix}:{sms}:day:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.endsWith(`:${keyedDigest(AUTH_TOKEN, 'text-message-daily-count', caller)}`)).toBe(true);
    const plain = createHash('sha256').update(caller).digest('hex');
    expect(keys[0]).not.toContain(plain.slice(0, 12));
    expect(keys[0]).not.toContain(caller.slice(1));
    await eventually(async () => (scope.isDone() ? true : undefined), 3000);
    scope.done();
  } finally {
    await line.close();
  }
});
