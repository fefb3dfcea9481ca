import nock from 'nock';
import { deskMessage, smsSize, stepsMessage } from '../../src/flows/sms';
import { portalLogin } from '../helpers/flows';
import { AUTH_TOKEN, BASE_URL, startLine, type TestLine } from '../helpers/line';
import { DeskAgent, deskUsers, eventually } from '../helpers/desk';

/**
 * Text messages through the line (memory store, its in-process queue) with Twilio's Messages API faked by nock:
 * what is sent, a retry after a 500, a landline refused for good and counted, the limits, and the base URL.
 */

const ACCOUNT = `AC${'1'.repeat(32)}`;
const FROM = '+15555550100';
const CALLER = '+12045550123';
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
  expect(twiml).toContain("I'll text these steps to this phone.");
  // Asked for once: not offered again in this call.
  expect(twiml).not.toContain('press 8');
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
  expect(await call(['4', '8'])).toContain("I'm sorry, I couldn't send that text message.");
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
  expect(await call(['2', '8'])).toContain("I'm sorry, I couldn't send that text message.");
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

/** A call taken to the desk, the desk busy, then `key` at "the desk's number" (8: a text; 1: a callback, and so on). */
async function afterBusyDesk(sid: string, keys: string[]): Promise<string> {
  let twiml = (await line.post('/voice', { CallSid: sid, From: CALLER })).text;
  twiml = (await line.post(`/voice/input?t=${nextTurn(twiml)}`, { CallSid: sid, From: CALLER, Digits: '0' })).text;
  twiml = (await line.post(`/voice/dial?t=${nextTurn(twiml)}`, { CallSid: sid, From: CALLER, DialCallStatus: 'busy' })).text;
  for (const key of keys)
    twiml = (await line.post(`/voice/input?t=${nextTurn(twiml)}`, { CallSid: sid, From: CALLER, Digits: key }).expect(200)).text;
  return twiml;
}

const SENT_SID = `SM${'a'.repeat(32)}`;
const statusMetric = async (status: string, code: string) => {
  const text = await line.metrics();
  const m = new RegExp(`portal_line_text_message_status_total\\{status="${status}",error_code="${code}"\\} (\\d+)`).exec(text);
  return Number(m?.[1] ?? 0);
};

test.each(['memory', 'redis'] as const)(
  "Twilio's answer never comes (%s): the message is POSTed once, never tried again, and counted as unknown",
  async (kind) => {
    line = await startLine(kind, { ...TEXTS, TWILIO_API_TIMEOUT_MS: '300' });
    let posts = 0;
    // Each answer comes after the client's deadline; a retry would be a second POST.
    const scope = nock(API)
      .post(PATH, () => (posts++, true))
      .times(6)
      .delay(1500)
      .reply(201, { sid: SENT_SID, status: 'queued' });
    expect(await call(['2', '8'])).toContain("I'll text these steps to this phone.");
    expect(await eventually(async () => ((await metric('unknown')) === 1 ? 1 : undefined), 3000)).toBe(1);
    // Past the first back-off (1 s) and the second (2 s): still one POST.
    await new Promise((r) => setTimeout(r, 3500));
    expect(posts).toBe(1);
    expect(await metric('failed')).toBe(0);
    expect(await metric('sent')).toBe(0);
    const line_ = line.logs.find((l) => l.includes('perhaps sent'))!;
    expect(line_).toContain('+1******0123');
    expect(line_).not.toContain(CALLER);
    scope.persist(false);
    nock.cleanAll();
  },
);

test('a bad number (21211) whose error text quotes it: the log holds the code and the masked number, never the digits', async () => {
  line = await startLine('memory', TEXTS);
  const scope = nock(API)
    .post(PATH)
    .reply(400, {
      code: 21211,
      message: `The 'To' number ${CALLER} is not a valid phone number.`,
      status: 400,
      more_info: 'https://www.twilio.com/docs/errors/21211',
    });
  await call(['4', '8']);
  await eventually(async () => ((await metric('refused')) === 1 ? 1 : undefined), 3000);
  scope.done();
  const refusal = line.logs.find((l) => l.includes('refused by Twilio'))!;
  expect(refusal).toContain('21211');
  expect(refusal).toContain('+1******0123');
  for (const log of line.logs) expect(log).not.toContain('5555550123');
});

test('every message asks for its status; a status callback is signature-checked, counted by error code, and shown on the card', async () => {
  line = await startLine('memory', { ...TEXTS, DESK_USERS: await deskUsers() });
  const sent: Record<string, string>[] = [];
  const scope = nock(API)
    .post(PATH, (body: Record<string, string>) => (sent.push(body), true))
    .reply(201, { sid: SENT_SID, status: 'queued' });
  const sid = callSid();
  expect(await afterBusyDesk(sid, ['8'])).toContain("I'll text the desk's number and hours to this phone.");
  await eventually(async () => ((await metric('sent')) === 1 ? 1 : undefined), 3000);
  scope.done();
  expect(sent[0]!.StatusCallback).toBe(`${BASE_URL}/messages/status`);

  const report = { MessageSid: SENT_SID, AccountSid: ACCOUNT, MessageStatus: 'undelivered', ErrorCode: '30006' };
  // Unsigned, or for another message than the one signed: refused, nothing counted.
  await line.post('/messages/status', report, { signature: null }).expect(403);
  await line.post('/messages/status', report, { signature: 'x'.repeat(28) }).expect(403);
  // Not a status Twilio sends: a 400 that says which parameter.
  expect((await line.post('/messages/status', { ...report, MessageStatus: 'lost' }).expect(400)).text).toContain('MessageStatus');
  expect(await statusMetric('undelivered', '30006')).toBe(0);

  await line.post('/messages/status', report).expect(204);
  await line.post('/messages/status', { MessageSid: `SM${'b'.repeat(32)}`, MessageStatus: 'delivered' }).expect(204);
  await line.post('/messages/status', { MessageSid: `SM${'c'.repeat(32)}`, MessageStatus: 'failed', ErrorCode: '30410' }).expect(204);
  expect(await statusMetric('undelivered', '30006')).toBe(1);
  expect(await statusMetric('delivered', 'none')).toBe(1);
  expect(await statusMetric('failed', 'other')).toBe(1);

  const agent = new DeskAgent(line.app);
  await agent.signIn();
  const card = await eventually(async () => {
    const page = (await agent.get('/desk')).text;
    return page.includes('not delivered') ? cardOf(page, sid) : undefined;
  }, 3000);
  expect(card).toContain('Text (the desk&#39;s number and hours): not delivered, error 30006 (landline or unreachable carrier)');
});

test('a transfer card shows what the caller then asked for: a callback booked, a text asked for and sent', async () => {
  line = await startLine('memory', { ...TEXTS, DESK_USERS: await deskUsers() });
  const scope = nock(API).post(PATH).reply(201, { sid: SENT_SID, status: 'queued' });
  const texted = callSid();
  await afterBusyDesk(texted, ['8']);
  const booked = callSid();
  expect(await afterBusyDesk(booked, ['3', '1'])).toContain('The desk will call you back');
  const agent = new DeskAgent(line.app);
  await agent.signIn();
  const page = await eventually(async () => {
    const text = (await agent.get('/desk')).text;
    return text.includes('Callback booked') && text.includes('sent, not yet delivered') ? text : undefined;
  }, 3000);
  scope.done();
  expect(cardOf(page!, booked)).toContain('Callback booked');
  expect(cardOf(page!, booked)).not.toContain('Text (');
  expect(cardOf(page!, texted)).toContain('Text (the desk&#39;s number and hours): sent, not yet delivered');
  expect(cardOf(page!, texted)).not.toContain('Callback');
});

/** One call's card on the desk page. */
function cardOf(page: string, sid: string): string {
  const start = page.indexOf(`id="call-${sid}"`);
  expect(start).toBeGreaterThan(0);
  return page.slice(start, page.indexOf('</article>', start));
}
