import nock from 'nock';
import { deskMessage, smsSize, stepsMessage } from '../../src/flows/sms';
import { portalLogin } from '../helpers/flows';
import { AUTH_TOKEN, startLine, type TestLine } from '../helpers/line';
import { eventually } from '../helpers/desk';

/**
 * Text messages through the line (memory store, its in-process queue) with Twilio's Messages API faked by nock:
 * what is sent, a retry after a 500, a landline refused for good and counted, the limits, and the base URL.
 */

const ACCOUNT = `AC${'1'.repeat(32)}`;
const FROM = '+15555550100';
const CALLER = '+15555550123';
const API = 'https://api.twilio.com';
const PATH = `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`;
const FLOW = portalLogin().flow;
const TEXTS = { TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_MESSAGING_FROM: FROM, SMS_DAILY_LIMIT: '2' };

let n = 0;
function callSid(): string {
  return `CA${Date.now().toString(16).padStart(16, '0')}${(n++).toString(16).padStart(16, '0')}`;
}
const nextTurn = (twiml: string) => Number(/\?t=(\d+)/.exec(twiml)![1]);

let line: TestLine;
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(() => {
  nock.enableNetConnect();
  // Take nock's interceptor off Node's http module: a later test file in this worker loads a nock of its own.
  nock.restore();
});
afterEach(async () => {
  await line?.close();
  nock.cleanAll();
});

/** A new call that presses `keys`; returns the last answer. */
async function call(keys: string[], sid = callSid(), from = CALLER): Promise<string> {
  let twiml = (await line.post('/voice', { CallSid: sid, From: from }).expect(200)).text;
  for (const key of keys)
    twiml = (await line.post(`/voice/input?t=${nextTurn(twiml)}`, { CallSid: sid, From: from, Digits: key }).expect(200)).text;
  return twiml;
}

const metric = async (event: string) => {
  const m = new RegExp(`portal_line_text_messages_total\\{event="${event}"\\} (\\d+)`).exec(await line.metrics());
  return Number(m?.[1]);
};

/** The form Twilio's API receives. */
type Sent = { To: string; From: string; Body: string };

test('press 8 at a step: the caller hears "I\'ll text" once it is queued, and the steps are sent to the calling number', async () => {
  line = await startLine('memory', TEXTS);
  const sent: Sent[] = [];
  const scope = nock(API)
    .post(PATH, (body: Sent) => (sent.push(body), true))
    .matchHeader('authorization', `Basic ${Buffer.from(`${ACCOUNT}:${AUTH_TOKEN}`).toString('base64')}`)
    .reply(201, { sid: `SM${'2'.repeat(32)}`, status: 'queued' });
  const twiml = await call(['2', '8']); // password steps, then 8
  expect(twiml).toContain('For these steps by text, press 8.');
  expect(twiml).toContain("I'll text these steps to this phone.");
  // The answer did not wait for the API: the message goes after it.
  await eventually(async () => (scope.isDone() ? true : undefined), 3000);
  scope.done();
  expect(sent).toHaveLength(1);
  expect(sent[0]!.To).toBe(CALLER);
  expect(sent[0]!.From).toBe(FROM);
  expect(sent[0]!.Body).toContain("Don't remember my password?");
  expect(sent[0]!.Body).toContain('1-800-605-2965');
  expect(await eventually(async () => ((await metric('sent')) === 1 ? 1 : undefined))).toBe(1);
  expect(line.logs.join('')).not.toContain(CALLER);
});

test('a 500 from the API is tried again after a back-off; the message is sent once', async () => {
  line = await startLine('memory', TEXTS);
  const scope = nock(API)
    .post(PATH)
    .reply(500, { code: 20500, message: 'Internal error' })
    .post(PATH)
    .reply(201, { sid: `SM${'3'.repeat(32)}` });
  const sid = callSid();
  let twiml = (await line.post('/voice', { CallSid: sid, From: CALLER })).text;
  twiml = (await line.post(`/voice/input?t=${nextTurn(twiml)}`, { CallSid: sid, From: CALLER, Digits: '0' })).text;
  twiml = (await line.post(`/voice/dial?t=${nextTurn(twiml)}`, { CallSid: sid, From: CALLER, DialCallStatus: 'busy' })).text;
  expect(twiml).toContain("For the desk's hours by text, press 8.");
  twiml = (await line.post(`/voice/input?t=${nextTurn(twiml)}`, { CallSid: sid, From: CALLER, Digits: '8' })).text;
  expect(twiml).toContain("I'll text the desk's number and hours to this phone.");
  await eventually(async () => (scope.isDone() ? true : undefined), 5000);
  scope.done();
  expect(await eventually(async () => ((await metric('sent')) === 1 ? 1 : undefined))).toBe(1);
  expect(await metric('failed')).toBe(1);
});

test('a landline (21614) is refused for good: logged with the number masked, counted, not tried again', async () => {
  line = await startLine('memory', TEXTS);
  const scope = nock(API).post(PATH).reply(400, { code: 21614, message: "'To' number is not a valid mobile number", status: 400 });
  await call(['4', '8']);
  await eventually(async () => ((await metric('refused')) === 1 ? 1 : undefined), 3000);
  scope.done();
  await new Promise((r) => setTimeout(r, 1500));
  expect(nock.pendingMocks()).toEqual([]);
  expect(await metric('sent')).toBe(0);
  const refusal = line.logs.find((l) => l.includes('refused by Twilio'))!;
  expect(refusal).toContain('21614');
  expect(refusal).toContain('+1******0123');
  expect(refusal).not.toContain(CALLER);
});

test('one message of each kind per call, and a daily limit per number', async () => {
  line = await startLine('memory', TEXTS);
  const scope = nock(API)
    .post(PATH)
    .times(2)
    .reply(201, { sid: `SM${'4'.repeat(32)}` });
  const sid = callSid();
  let twiml = await call(['4', '8'], sid);
  expect(twiml).toContain("I'll text these steps");
  twiml = (await line.post(`/voice/input?t=${nextTurn(twiml)}`, { CallSid: sid, From: CALLER, Digits: '8' })).text;
  expect(twiml).toContain("I've already texted these steps.");
  // Another call from the same number: the second message of the day.
  expect(await call(['2', '8'])).toContain("I'll text these steps");
  // A third: over the limit of 2.
  expect(await call(['4', '8'])).toContain("I'm sorry, I can't send a text message to this phone.");
  expect(await metric('limited')).toBe(1);
  await eventually(async () => (scope.isDone() ? true : undefined), 3000);
  scope.done();
});

test('TWILIO_API_URL points the client at another API', async () => {
  line = await startLine('memory', { ...TEXTS, TWILIO_API_URL: 'http://twilio.stand-in.test' });
  const scope = nock('http://twilio.stand-in.test')
    .post(PATH)
    .reply(201, { sid: `SM${'5'.repeat(32)}` });
  await call(['2', '8']);
  await eventually(async () => (scope.isDone() ? true : undefined), 3000);
  scope.done();
});

test('without a sender, 8 is not offered', async () => {
  line = await startLine('memory');
  const twiml = await call(['2']);
  expect(twiml).not.toContain('press 8');
  expect(await call(['2', '8'])).toContain("I'm sorry, I can't send a text message to this phone.");
});

describe('message size', () => {
  test('GSM-7 and UCS-2 are told apart, and segments counted as carriers do', () => {
    expect(smsSize('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSize('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    expect(smsSize('a'.repeat(306)).segments).toBe(2);
    expect(smsSize('a'.repeat(307)).segments).toBe(3);
    expect(smsSize('€'.repeat(10))).toEqual({ encoding: 'GSM-7', units: 20, segments: 1 });
    expect(smsSize('it’s')).toEqual({ encoding: 'UCS-2', units: 4, segments: 1 });
    expect(smsSize('’'.repeat(134)).segments).toBe(2);
    expect(smsSize('’'.repeat(135)).segments).toBe(3);
  });

  test('every message of the flow fits in two segments, with the longest likely values', () => {
    const values = { reference: '000000', bsdNumber: '+18006052965', hours: 'Mon-Thu 08:00-17:00, Fri 08:00-16:30 (America/Toronto)' };
    expect(smsSize(deskMessage(FLOW, values)).segments).toBeLessThanOrEqual(2);
    for (const [id, node] of Object.entries(FLOW.nodes))
      if (node.type === 'instructions')
        expect({ id, segments: smsSize(stepsMessage(FLOW, id, values)!).segments <= 2 }).toEqual({ id, segments: true });
  });
});
