import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SYSTEM } from '../../src/engine/compile';
import { referenceFor } from '../../src/engine/step';
import { createLineServer } from '../../src/http/server';
import { CLOSED_DESK } from '../../src/simulator/demo-settings';
import { DeskAgent, deskUsers, openEvents } from '../helpers/desk';
import { portalLogin } from '../helpers/flows';
import { startLine, type StoreKind, type TestLine } from '../helpers/line';

/**
 * Callbacks end to end, on both stores: a call outside the desk's hours, or to a busy desk, asks for one; it is on
 * the desk's page at once (live), an agent claims it (one agent at a time) and closes it; the counts are on /metrics.
 */

const CALLER = '+12045550123';
/** The line's own number: the calls' To. */
const LINE = '+12045550100';
const FLOW = portalLogin().flow;
const reasonOf = (node: string) => (FLOW.nodes[node] as { reason: string }).reason;

let n = 0;
function callSid(): string {
  return `CA${Date.now().toString(16).padStart(16, '0')}${(n++).toString(16).padStart(16, '0')}`;
}

/** The TwiML's action URL's turn: where the next webhook goes. */
function nextTurn(twiml: string): number {
  const m = /\?t=(\d+)/.exec(twiml);
  if (m === null) throw new Error(`no action with a turn in ${twiml}`);
  return Number(m[1]);
}

describe.each<StoreKind>(['redis', 'memory'])('callbacks on the %s store', (kind) => {
  let line: TestLine;
  let server: Server;
  let base: string;
  beforeEach(async () => {
    // Friday evening in Toronto, the clock running from there.
    const started = Date.now();
    const now = () => new Date(CLOSED_DESK.now.getTime() + (Date.now() - started));
    line = await startLine(kind, { DESK_USERS: await deskUsers(), ...CLOSED_DESK.env }, undefined, { now });
    server = createLineServer(line.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await line.close();
  });

  /** Presses `keys` in turn on a new call; returns the call and the last answer. */
  async function call(keys: string[], sid = callSid(), from = CALLER): Promise<{ sid: string; twiml: string; t: number }> {
    let twiml = (await line.post('/voice', { CallSid: sid, From: from, To: LINE }).expect(200)).text;
    for (const key of keys) {
      const t = nextTurn(twiml);
      twiml = (await line.post(`/voice/input?t=${t}`, { CallSid: sid, From: from, To: LINE, Digits: key }).expect(200)).text;
    }
    return { sid, twiml, t: twiml.includes('?t=') ? nextTurn(twiml) : -1 };
  }

  test('outside the hours a transfer does not dial: the caller hears when the desk opens and the choice; the reference at the end', async () => {
    const { sid, twiml } = await call(['1', '1']); // username, yes: a transfer to log a ticket
    expect(twiml).not.toContain('<Dial');
    expect(twiml).toContain('It opens Monday at 8 a.m. Eastern.');
    const spoken = (s: string) => `${referenceFor(s).slice(0, 3).split('').join(' ')}, ${referenceFor(s).slice(3).split('').join(' ')}`;
    expect(twiml).not.toContain(spoken(sid));
    // Said where the call ends: here, "end the call" gives the desk's number and the reference.
    const ended = await call(['1', '1', '2']);
    expect(ended.twiml).toContain(`your reference number, ${spoken(ended.sid)}.`);
    expect(twiml).toContain('For a callback, press 3.');
    expect(twiml).toContain('To end the call, press 2.');
    // Text messages are not configured here: not offered.
    expect(twiml).not.toContain('press 8');
  });

  test('a callback asked outside the hours is on the desk page live; one agent claims it, and closes it', async () => {
    const alice = new DeskAgent(line.app);
    await alice.signIn('alice');
    const bob = new DeskAgent(line.app);
    await bob.signIn('bob');
    const stream = await openEvents(`${base}/desk/events`, alice.cookieHeader);
    try {
      await stream.next((e) => e.event === 'snapshot');
      const { sid, twiml } = await call(['1', '1', '3', '1']);
      expect(twiml).toContain('The desk will call you back');
      expect(twiml).toContain('<Hangup');
      // The one callback that changed, not the whole list again.
      const live = JSON.parse((await stream.next((e) => e.event === 'callback', 2000)).data) as { id: string; html: string };
      expect(live.id).toBe(`callback-${sid}`);
      expect(live.html).toContain(`callback-${sid}`);
      expect(live.html).toContain('(204) 555-0123');
      expect(live.html).toContain(reasonOf('username-ticket'));
      expect(live.html).toContain('Entered the email address used at set-up: yes');

      const page = (await alice.get('/desk')).text;
      expect(page).toContain(`callback-${sid}`);
      const api = (await alice.get('/desk/api/callbacks')).body as { callbacks: { id: string; status: string; told: string[] }[] };
      expect(api.callbacks.map((c) => [c.id, c.status])).toEqual([[sid, 'open']]);

      // Bob claims it first; Alice cannot, nor close it.
      expect((await bob.post('/desk/callbacks/claim', { csrf: await bob.csrf(), id: sid })).status).toBe(303);
      const claimed = JSON.parse((await stream.next((e) => e.event === 'callback' && e.data.includes('Claimed by'), 2000)).data) as {
        html: string;
      };
      expect(claimed.html).toContain('Claimed by <strong>bob</strong>');
      const refused = await alice.post('/desk/callbacks/claim', { csrf: await alice.csrf(), id: sid });
      expect(refused.status).toBe(409);
      expect(refused.text).toMatch(/another agent/);
      expect((await alice.post('/desk/callbacks/close', { csrf: await alice.csrf(), id: sid, outcome: 'done' })).status).toBe(409);

      // A form without its token, or with a bad field, is refused with the reason.
      expect((await bob.post('/desk/callbacks/close', { csrf: 'nope', id: sid, outcome: 'done' })).status).toBe(403);
      const bad = await bob.post('/desk/callbacks/close', { csrf: await bob.csrf(), id: sid, outcome: 'maybe' });
      expect(bad.status).toBe(400);
      expect(bad.text).toMatch(/outcome/);

      expect((await bob.post('/desk/callbacks/close', { csrf: await bob.csrf(), id: sid, outcome: 'done' })).status).toBe(303);
      // Closed: the pages take its card away.
      const closed = JSON.parse((await stream.next((e) => e.event === 'callback' && e.data.includes('"html":null'), 2000)).data) as {
        id: string;
        empty: string;
      };
      expect(closed.id).toBe(`callback-${sid}`);
      expect(closed.empty).toContain('No callbacks are waiting.');
      expect(((await bob.get('/desk/api/callbacks')).body as { callbacks: unknown[] }).callbacks).toEqual([]);
      const metrics = await line.metrics();
      expect(metrics).toMatch(/portal_line_callbacks_total\{event="asked"\} 1/);
      expect(metrics).toMatch(/portal_line_callbacks_total\{event="done"\} 1/);
    } finally {
      stream.close();
    }
  });

  test('a retried webhook creates one callback, never two; the list is oldest first', async () => {
    const agent = new DeskAgent(line.app);
    await agent.signIn('alice');
    const first = await call(['0', '3']);
    await new Promise((r) => setTimeout(r, 5));
    const second = await call(['0', '3', '1'], callSid(), '+12045550124');
    await new Promise((r) => setTimeout(r, 5));
    // The first call confirms after the second: its callback is newer.
    const t = first.t;
    const confirm = { CallSid: first.sid, From: CALLER, To: LINE, Digits: '1' };
    const answer = (await line.post(`/voice/input?t=${t}`, confirm).expect(200)).text;
    const replayed = (await line.post(`/voice/input?t=${t}`, confirm).expect(200)).text;
    expect(replayed).toBe(answer);
    const list = ((await agent.get('/desk/api/callbacks')).body as { callbacks: { id: string }[] }).callbacks;
    expect(list.map((c) => c.id)).toEqual([second.sid, first.sid]);
    expect(await line.metrics()).toMatch(/portal_line_callbacks_total\{event="asked"\} 2/);
  });

  test('a keyed number is read back digit by digit, and called back instead of the calling number', async () => {
    const agent = new DeskAgent(line.app);
    await agent.signIn('alice');
    const keyed = await call(['0', '3', '2']);
    expect(keyed.twiml).toContain('numDigits="10"');
    const confirm = (await line.post(`/voice/input?t=${keyed.t}`, { CallSid: keyed.sid, From: CALLER, Digits: '6135550199' }).expect(200))
      .text;
    expect(confirm).toContain('The number is 6 1 3, 5 5 5, 0 1 9 9.');
    await line.post(`/voice/input?t=${nextTurn(confirm)}`, { CallSid: keyed.sid, From: CALLER, Digits: '1' }).expect(200);
    const list = ((await agent.get('/desk/api/callbacks')).body as { callbacks: { number: string; numberFrom: string }[] }).callbacks;
    expect(list).toEqual([expect.objectContaining({ number: '+16135550199', numberFrom: 'keyed' })]);
    // The keyed number is not in the log lines.
    expect(line.logs.join('')).not.toContain('6135550199');
  });

  test.each([
    ['a withheld number', 'anonymous'],
    ['a premium number (1-900)', '+19005551234'],
    ['a number abroad (+234)', '+2348031234567'],
    ['the line’s own number', LINE],
  ])('calling from %s, "this phone" is not offered: the caller is asked to key a number, and it is called back', async (_, from) => {
    const agent = new DeskAgent(line.app);
    await agent.signIn('alice');
    const asked = await call(['0', '3'], callSid(), from);
    expect(asked.twiml).toContain(FLOW.system.callback.callerUnfit);
    expect(asked.twiml).toContain(FLOW.speech!.callbackKeyIn!);
    expect(asked.twiml).not.toContain('on this phone, press 1');
    expect(asked.twiml).toContain('numDigits="10"');
    const confirm = (await line.post(`/voice/input?t=${asked.t}`, { CallSid: asked.sid, From: from, To: LINE, Digits: '6135550199' })).text;
    expect(confirm).toContain('The number is 6 1 3, 5 5 5, 0 1 9 9.');
    const booked = (await line.post(`/voice/input?t=${nextTurn(confirm)}`, { CallSid: asked.sid, From: from, To: LINE, Digits: '1' })).text;
    expect(booked).toContain('The desk will call you back');
    const list = ((await agent.get('/desk/api/callbacks')).body as { callbacks: { number: string; numberFrom: string }[] }).callbacks;
    expect(list).toEqual([expect.objectContaining({ number: '+16135550199', numberFrom: 'keyed' })]);
  });

  test('a keyed number the desk must not call (premium, abroad, invalid, the line’s or the desk’s own) is asked for again', async () => {
    const agent = new DeskAgent(line.app);
    let turn = await call(['0', '3', '2']);
    for (const digits of ['9005551234', '9765551234', '8095551234', '0000000000', '0123456789', '2045550100', '8006052965']) {
      const twiml = (await line.post(`/voice/input?t=${turn.t}`, { CallSid: turn.sid, From: CALLER, To: LINE, Digits: digits })).text;
      expect({ digits, refused: twiml.includes(FLOW.system.callback.keyedUnfit) }).toEqual({ digits, refused: true });
      expect(twiml).toContain(FLOW.speech!.callbackKeyIn!);
      expect(twiml).not.toContain('The number is');
      turn = { ...turn, twiml, t: nextTurn(twiml) };
    }
    await agent.signIn('alice');
    expect(((await agent.get('/desk/api/callbacks')).body as { callbacks: unknown[] }).callbacks).toEqual([]);
    // A number the desk may call is read back and booked.
    const confirm = (await line.post(`/voice/input?t=${turn.t}`, { CallSid: turn.sid, From: CALLER, To: LINE, Digits: '6135550199' })).text;
    expect(confirm).toContain('The number is 6 1 3, 5 5 5, 0 1 9 9.');
  });

  test('ten zeros keyed on the phone are refused with a reprompt; a number the desk may call is then read back and booked', async () => {
    const agent = new DeskAgent(line.app);
    await agent.signIn('alice');
    const result = await line.call('0,3,2,0000000000,6135550199,1');
    expect(result.errors).toEqual([]);
    const lines = result.transcript.map((l) => `${l.who}: ${l.text}`);
    // Refused at once, before any read-back, and asked for again in the flow's words.
    const keyed = lines.indexOf('caller: presses 0000000000');
    expect(keyed).toBeGreaterThan(0);
    expect(lines[keyed + 1]).toBe(`line: ${FLOW.system.callback.keyedUnfit} ${FLOW.speech!.callbackKeyIn!}`);
    expect(lines[keyed + 2]).toBe('caller: presses 6135550199');
    expect(lines.join('\n')).toContain('The number is 6 1 3, 5 5 5, 0 1 9 9.');
    const list = ((await agent.get('/desk/api/callbacks')).body as { callbacks: { number: string; numberFrom: string }[] }).callbacks;
    expect(list).toEqual([expect.objectContaining({ number: '+16135550199', numberFrom: 'keyed' })]);
  });

  test('one open callback per number: a second call from it hears the desk has the request, and nothing new is booked', async () => {
    const agent = new DeskAgent(line.app);
    await agent.signIn('alice');
    const first = await call(['0', '3', '1']);
    expect(first.twiml).toContain('The desk will call you back');
    const second = await call(['0', '3', '1']);
    expect(second.twiml).toContain(FLOW.system.callback.open);
    expect(second.twiml).toContain('<Hangup');
    // Keyed in from another phone, the same number is the same request.
    const keyed = await call(['0', '3', '2', CALLER.slice(2), '1'], callSid(), '+16135550142');
    expect(keyed.twiml).toContain(FLOW.system.callback.open);
    const list = ((await agent.get('/desk/api/callbacks')).body as { callbacks: { id: string }[] }).callbacks;
    expect(list.map((c) => c.id)).toEqual([first.sid]);
    const metrics = await line.metrics();
    expect(metrics).toMatch(/portal_line_callbacks_total\{event="asked"\} 1/);
    expect(metrics).toMatch(/portal_line_callbacks_not_booked_total\{reason="open"\} 2/);
    // Once the desk has called back, the number may ask again.
    await agent.post('/desk/callbacks/claim', { csrf: await agent.csrf(), id: first.sid });
    await agent.post('/desk/callbacks/close', { csrf: await agent.csrf(), id: first.sid, outcome: 'done' });
    expect((await call(['0', '3', '1'])).twiml).toContain('The desk will call you back');
  });
});

test('within the hours a busy desk offers the same choice beside try again, and the callback keeps why the caller was transferred', async () => {
  // Friday 10:00 in Toronto: open.
  const line = await startLine('memory', { DESK_USERS: await deskUsers(), ...CLOSED_DESK.env }, undefined, {
    now: () => new Date('2026-12-04T15:00:00Z'),
  });
  try {
    const sid = callSid();
    let twiml = (await line.post('/voice', { CallSid: sid, From: CALLER })).text;
    twiml = (await line.post(`/voice/input?t=${nextTurn(twiml)}`, { CallSid: sid, From: CALLER, Digits: '0' })).text;
    expect(twiml).toContain('<Dial');
    twiml = (await line.post(`/voice/dial?t=${nextTurn(twiml)}`, { CallSid: sid, From: CALLER, DialCallStatus: 'busy' })).text;
    expect(twiml).toContain('busy right now');
    expect(twiml).toContain('To try again, press 1.');
    expect(twiml).toContain('For a callback, press 3.');
    for (const key of ['3', '1'])
      twiml = (await line.post(`/voice/input?t=${nextTurn(twiml)}`, { CallSid: sid, From: CALLER, Digits: key })).text;
    expect(twiml).toContain('The desk will call you back');
    const agent = new DeskAgent(line.app);
    await agent.signIn('alice');
    const list = ((await agent.get('/desk/api/callbacks')).body as { callbacks: { reason: string }[] }).callbacks;
    expect(list).toEqual([expect.objectContaining({ reason: FLOW.system.bsdRequest.reason })]);
  } finally {
    await line.close();
  }
});

test('the desk-closed choice: 0 says again that the desk is closed', async () => {
  const line = await startLine('memory', CLOSED_DESK.env, undefined, { now: () => CLOSED_DESK.now });
  try {
    const sid = callSid();
    let twiml = (await line.post('/voice', { CallSid: sid, From: CALLER })).text;
    twiml = (await line.post(`/voice/input?t=${nextTurn(twiml)}`, { CallSid: sid, From: CALLER, Digits: '0' })).text;
    const again = (await line.post(`/voice/input?t=${nextTurn(twiml)}`, { CallSid: sid, From: CALLER, Digits: '0' })).text;
    expect(again).toContain('The Business Support Desk is closed.');
    expect(again).not.toContain('<Dial');
    expect(SYSTEM.deskClosed).toBe('_desk_closed');
  } finally {
    await line.close();
  }
});

test('outside the hours the rescue (a call whose state is lost) does not dial either: when the desk opens, its number, the reference', async () => {
  const line = await startLine('memory', CLOSED_DESK.env, undefined, { now: () => CLOSED_DESK.now });
  try {
    const sid = callSid();
    // A turn of a call the store never had: its state is lost.
    const lost = (await line.post('/voice/input?t=3', { CallSid: sid, From: CALLER, Digits: '1' }).expect(200)).text;
    expect(lost).not.toContain('<Dial');
    expect(lost).toContain('It opens Monday at 8 a.m.');
    expect(lost).toContain('Please call the Business Support Desk');
    expect(lost).toContain('/voice/rescue/choice?s=u');
    const fallback = (await line.post('/voice/fallback', { CallSid: sid, From: CALLER }).expect(200)).text;
    expect(fallback).not.toContain('<Dial');
    const bye = (await line.post('/voice/rescue/choice?s=u&n=0&d=0', { CallSid: sid, From: CALLER, Digits: '1' }).expect(200)).text;
    expect(bye).toContain('<Hangup');
  } finally {
    await line.close();
  }
});

test.each<StoreKind>(['redis', 'memory'])(
  'on the %s store, callbacks an hour are capped for the whole line, over every instance: counted and logged',
  async (kind) => {
    const now = () => CLOSED_DESK.now;
    const env = { ...CLOSED_DESK.env, CALLBACK_HOURLY_LIMIT: '3' };
    const line = await startLine(kind, env, undefined, { now });
    // A second instance on the same store (Redis only: memory is one process).
    const other = kind === 'redis' ? await startLine(kind, env, line, { now }) : line;
    try {
      const ask = async (i: number) => {
        const sid = callSid();
        const from = `+1204555${String(1000 + i)}`;
        const instance = i % 2 === 0 ? line : other;
        let twiml = (await instance.post('/voice', { CallSid: sid, From: from }).expect(200)).text;
        for (const key of ['0', '3', '1'])
          twiml = (await instance.post(`/voice/input?t=${nextTurn(twiml)}`, { CallSid: sid, From: from, Digits: key }).expect(200)).text;
        return twiml;
      };
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => ask(i)));
      expect(answers.filter((a) => a.includes('The desk will call you back'))).toHaveLength(3);
      const refused = answers.filter((a) => a.includes("I couldn't book a callback"));
      expect(refused).toHaveLength(5);
      expect(refused[0]).toContain('Please call the Business Support Desk');
      const counted = (text: string) => Number(/portal_line_callbacks_not_booked_total\{reason="line"\} (\d+)/.exec(text)?.[1] ?? 0);
      const metrics = await Promise.all([line, other].map(async (l) => await l.metrics()));
      expect(counted(metrics[0]!) + (other === line ? 0 : counted(metrics[1]!))).toBe(5);
      const logs = [...line.logs, ...(other === line ? [] : other.logs)].filter((l) => l.includes("the line's cap an hour"));
      expect(logs).toHaveLength(5);
      expect(logs.join('')).toMatch(/"number":"\+1\*+\d{4}"/);
      expect(logs.join('')).not.toMatch(/\+1204555\d{4}/);
    } finally {
      if (other !== line) await other.close();
      await line.close();
    }
  },
);
