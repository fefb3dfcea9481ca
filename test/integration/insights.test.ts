import { insightsReport, type NodeRow } from '../../src/insights/insights-report';
import { dayOf } from '../../src/desk/time';
import { FlowRegistry } from '../../src/engine/registry';
import { startLine, type StoreKind, type TestLine } from '../helpers/line';
import { CLOSED_DESK } from '../../src/simulator/demo-settings';

/**
 * The flow's insights count what callers did, by key and by voice, exactly: after a set of calls, each node's counts
 * equal the calls made, on Redis and in memory, and on two instances of the line that share a store.
 */

let lines: TestLine[] = [];
afterEach(async () => {
  for (const line of lines.reverse()) await line.close();
  lines = [];
});

async function open(kind: StoreKind, env: Record<string, string> = {}, shared?: TestLine): Promise<TestLine> {
  const line = await startLine(kind, env, shared);
  lines.push(line);
  return line;
}

const today = () => dayOf(new Date(), 'UTC');

const flow = FlowRegistry.fromDir('call-flows', 'portal-login').entry.flow;

/** Today's report as the line reads it: what its store keeps and what it counted and has not written yet. */
async function report(line: TestLine) {
  return insightsReport(flow, [today()], await line.line.insights!.read(flow.id, [today()]));
}

const row = (rows: NodeRow[], node: string) => rows.find((r) => r.node === node)!;
const choice = (r: NodeRow, key: string) => r.choices.find((c) => c.key === key)!;

describe.each(['memory', 'redis'] as const)('on %s', (kind) => {
  test('each decision point counts the calls that reached it and what they did there, by key and by voice', async () => {
    const line = await open(kind);
    // Solved by key; solved by voice; asked for the desk with 0; a wrong key, a silence, then password and a hang-up;
    // back to the main menu and to password again (reached once per call); a spoken answer that names nothing.
    for (const keys of ['2,1', 'say:password,1', '0,answer', '7,_,2,hangup', '2,9,2,hangup', 'say:the weather is lovely,hangup'])
      expect((await line.call(keys)).errors).toEqual([]);
    const { nodes, totals, days } = await report(line);
    const menu = row(nodes, 'main-menu');
    expect(menu.reached).toBe(6);
    expect(choice(menu, '2')).toMatchObject({ byKey: 4, byVoice: 1 });
    expect(choice(menu, '1')).toMatchObject({ byKey: 0, byVoice: 0 });
    expect(menu.deskAsked).toEqual({ byKey: 1, byVoice: 0 });
    expect(menu.toDesk).toBe(1);
    expect(menu.wrong).toBe(1);
    expect(menu.silences).toBe(1);
    expect(menu.notUnderstood).toBe(1);
    expect(menu.hungUp).toBe(1);
    const password = row(nodes, 'password');
    expect(password.reached).toBe(4);
    expect(choice(password, '1')).toMatchObject({ byKey: 2, byVoice: 0 });
    expect(choice(password, '9')).toMatchObject({ byKey: 1 });
    expect(password.solved).toBe(2);
    expect(password.hungUp).toBe(2);
    expect(row(nodes, 'goodbye').reached).toBe(2);
    expect(totals).toEqual({ calls: 6, solved: 2, desk: 1, hungUp: 3, rescued: 0 });
    expect(days[0]!.versions).toEqual([{ version: expect.stringMatching(/^[0-9a-f]+$/), calls: 6 }]);
  });

  test('two instances on one store count each call once, whichever instance answered its turns', async () => {
    const first = await open(kind);
    const second = await open(kind, {}, first);
    // A call whose turns alternate between the instances, as behind a load balancer.
    const sid = `CA${'ab'.repeat(16)}`;
    const a = (await first.post('/voice', { CallSid: sid, From: '+12045550123' }).expect(200)).text;
    const t1 = Number(/\?t=(\d+)/.exec(a)![1]);
    const b = (await second.post(`/voice/input?t=${t1}`, { CallSid: sid, Digits: '2' }).expect(200)).text;
    const t2 = Number(/\?t=(\d+)/.exec(b)![1]);
    await first.post(`/voice/input?t=${t2}`, { CallSid: sid, Digits: '1' }).expect(200);
    // The same turn again (Twilio retries a webhook): a replay, not counted again.
    await first.post(`/voice/input?t=${t2}`, { CallSid: sid, Digits: '1' }).expect(200);
    // The same answer to both instances at once: one wins the compare-and-set, the other answers with what won.
    const main = (await first.post('/voice', { CallSid: `${sid.slice(0, -2)}cd`, From: '+12045550123' }).expect(200)).text;
    const t = Number(/\?t=(\d+)/.exec(main)![1]);
    await Promise.all(
      [first, second].map((line) => line.post(`/voice/input?t=${t}`, { CallSid: `${sid.slice(0, -2)}cd`, Digits: '3' }).expect(200)),
    );
    await second.post('/voice/status', { CallSid: sid, CallStatus: 'completed', CallDuration: '30' }).expect(204);
    await first.line.insights!.flush();
    const { nodes, totals } = await report(second);
    expect(row(nodes, 'main-menu').reached).toBe(2);
    expect(choice(row(nodes, 'main-menu'), '2').byKey).toBe(1);
    expect(choice(row(nodes, 'main-menu'), '3').byKey).toBe(1);
    expect(row(nodes, 'mfa-uninstalled-app').reached).toBe(1);
    expect(choice(row(nodes, 'password'), '1').byKey).toBe(1);
    expect(totals).toEqual({ calls: 2, solved: 1, desk: 0, hungUp: 0, rescued: 0 });
  });
});

test('a spoken answer heard unsure counts as said once it is confirmed, and as misheard (not understood) when refused', async () => {
  const line = await open('memory');
  // "Did you say password?" Yes (1): a choice by voice. No (2): misheard, and the question again.
  expect((await line.call('say:password@0.3,1,1')).errors).toEqual([]);
  expect((await line.call('say:password@0.3,2,4,hangup')).errors).toEqual([]);
  const menu = row((await report(line)).nodes, 'main-menu');
  expect(choice(menu, '2')).toMatchObject({ byKey: 0, byVoice: 1 });
  expect(choice(menu, '4')).toMatchObject({ byKey: 1, byVoice: 0 });
  expect(menu.notUnderstood).toBe(1);
  expect(menu.wrong).toBe(0);
});

test('a keyed callback number is counted as a phone number at its step, never its digits; the desk is counted where it was asked for', async () => {
  const line = await open('redis');
  expect((await line.call('0,busy,3,2,6135550123,1')).errors).toEqual([]);
  await line.line.insights!.flush();
  const stored = await line.redis!.hgetall(`${line.prefix}:{insights}:${flow.id}:${today()}`);
  expect(JSON.stringify(stored)).not.toMatch(/613|5550123/);
  expect(stored).toMatchObject({
    'choice|_callback_keyed|number|key': '1',
    'deskAsked|main-menu|key': '1',
    'toDesk|main-menu': '1',
    'ended|desk': '1',
  });
  const { nodes } = await report(line);
  expect(choice(row(nodes, '_callback_keyed'), 'number')).toMatchObject({ label: 'a phone number', byKey: 1 });
  expect(row(nodes, '_dial_failed').title).toBe('The desk did not answer: try again?');
});

test('the desk closed: the transfer a choice led to is reached on the way to the closed choices', async () => {
  const line = await startLine('memory', CLOSED_DESK.env, undefined, { now: () => CLOSED_DESK.now });
  lines.push(line);
  expect((await line.call('1,1,2')).errors).toEqual([]);
  const day = dayOf(CLOSED_DESK.now, 'UTC');
  const { nodes, totals } = insightsReport(flow, [day], await line.line.insights!.read(flow.id, [day]));
  expect(row(nodes, 'username-ticket').reached).toBe(1);
  expect(row(nodes, '_desk_closed').reached).toBe(1);
  expect(row(nodes, 'username').toDesk).toBe(1);
  expect(totals).toMatchObject({ calls: 1, desk: 1 });
});

test('a redial after the desk did not answer is not another way to the desk', async () => {
  const line = await open('memory');
  expect((await line.call('0,busy,1,answer')).errors).toEqual([]);
  const { nodes } = await report(line);
  expect(nodes.reduce((sum, r) => sum + r.toDesk, 0)).toBe(1);
  expect(choice(row(nodes, '_dial_failed'), '1').byKey).toBe(1);
});

test('a node is reached once per call, also in a call far longer than the path it keeps', async () => {
  const line = await open('memory');
  // The steps heard again 25 times (more than the 24 steps a call's path keeps), then back to the main menu.
  expect((await line.call(['2', ...Array<string>(25).fill('2'), '9', 'hangup'].join(','))).errors).toEqual([]);
  const { nodes } = await report(line);
  expect(row(nodes, 'main-menu').reached).toBe(1);
  expect(row(nodes, 'password').reached).toBe(1);
  expect(choice(row(nodes, 'password'), '2').byKey).toBe(25);
});

test('a caller sent to the desk by a fault of the line (the call state lost) is counted as such, not as a choice', async () => {
  const line = await open('redis');
  const sid = `CA${'ef'.repeat(16)}`;
  const first = (await line.post('/voice', { CallSid: sid, From: '+12045550123' }).expect(200)).text;
  await line.redis!.del(`${line.prefix}:{${sid}}:session`);
  const t = Number(/\?t=(\d+)/.exec(first)![1]);
  // Another instance, which has no copy of the call to put back: the caller goes to the desk.
  const other = await open('redis', {}, line);
  expect((await other.post(`/voice/input?t=${t}`, { CallSid: sid, Digits: '2' }).expect(200)).text).toContain('<Dial');
  await other.line.insights!.flush();
  const { totals, nodes } = await report(line);
  expect(totals).toMatchObject({ calls: 1, rescued: 1 });
  expect(choice(row(nodes, 'main-menu'), '2').byKey).toBe(0);
});

test('with INSIGHTS_RETENTION_DAYS=0 nothing is counted', async () => {
  const line = await open('memory', { INSIGHTS_RETENTION_DAYS: '0' });
  await line.call('2,1');
  expect(line.line.insights).toBeUndefined();
  expect(await line.backend.insights.read(flow.id, [today()])).toEqual({ [today()]: {} });
});
