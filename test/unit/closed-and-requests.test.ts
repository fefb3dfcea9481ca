import type { CallEvent } from '../../src/engine/call-machine';
import { SYSTEM } from '../../src/engine/compile';
import type { SpeakingContext } from '../../src/engine/prompt';
import { advance, settle, startCall, type SavedCall, type Turn } from '../../src/engine/step';
import { Callbacks } from '../../src/requests/callbacks/callbacks';
import { MemoryCallbackStore } from '../../src/backend/memory/callback-store';
import { createLogger } from '../../src/common/log';
import { Metrics } from '../../src/common/metrics';
import { portalLogin, SPEAKING } from '../helpers/flows';

/** The pure engine outside the desk's hours, and what a caller's requests do to a call. */

const flow = portalLogin();
const CLOSED: SpeakingContext = { ...SPEAKING, closed: { opens: 'Monday at 8 a.m.' }, textMessages: true };
const key = (k: string): CallEvent => ({ type: 'KEY', key: k });

function press(keys: (string | CallEvent)[], speaking: SpeakingContext = SPEAKING, sid = 'CA00000000000000000000000000000001'): Turn {
  let turn = startCall(flow, sid, speaking);
  for (const k of keys) {
    const saved: SavedCall = { flowVersion: flow.version, nodeVersion: turn.nodeVersion, call: turn.call };
    turn = advance(flow, saved, typeof k === 'string' ? key(k) : k, speaking);
  }
  return turn;
}

test('outside the hours every way to the desk leads to the desk-closed choice, and none dials', () => {
  const ways: (string | CallEvent)[][] = [
    ['0'], // the caller asks
    ['1', '1'], // a transfer of the flow
    ['1', '0'], // 0 at a question
    [{ type: 'SILENCE' }, { type: 'SILENCE' }, { type: 'SILENCE' }], // keypad trouble
    ['2', ...Array.from({ length: 5 }, (): CallEvent => ({ type: 'SILENCE' }))], // quiet at the steps
  ];
  for (const way of ways) {
    const turn = press(way, CLOSED);
    expect({ way, state: turn.call.value, kind: turn.prompt.kind }).toEqual({ way, state: SYSTEM.deskClosed, kind: 'ask' });
    expect(turn.prompt.say.join(' ')).toContain('It opens Monday at 8 a.m.');
  }
  // The transfer it would have been is kept: a callback carries its reason.
  expect(press(['1', '1'], CLOSED).call.context.transfer).toBe('username-ticket');
});

test("the keys of the closed choice: 2 ends with the desk's number, 3 a callback, 8 a text message, 0 says it again", () => {
  expect(press(['0', '2'], CLOSED).call.value).toBe(SYSTEM.deskUnavailable);
  expect(press(['0', '3'], CLOSED).call.value).toBe(SYSTEM.callbackNumber);
  const text = press(['0', '8'], CLOSED);
  expect(text.call.context.pending).toEqual({ kind: 'text', what: 'desk' });
  expect(press(['0', '0'], CLOSED).call.value).toBe(SYSTEM.deskClosed);
});

test('a callback: booked when kept, and said so; refused, the caller hears why and the desk’s number', () => {
  const booking = press(['0', '3', '2', '6135550123', '1'], CLOSED);
  expect(booking.call.context.pending).toEqual({ kind: 'callback', number: '6135550123' });
  const booked = settle(flow, booking, 'queued', CLOSED);
  expect(booked.call.value).toBe(SYSTEM.callbackBooked);
  expect(booked.done).toBe(true);
  expect(booked.call.context.pending).toBeNull();
  expect(booked.call.context.callbackNumber).toBeNull();
  const refused = settle(flow, booking, 'refused', CLOSED);
  expect(refused.call.value).toBe(SYSTEM.deskUnavailable);
  expect(refused.prompt.say[0]).toBe(flow.flow.system.callback.failed);
  // The calling number: nothing keyed.
  expect(press(['0', '3', '1'], CLOSED).call.context.pending).toEqual({ kind: 'callback', number: null });
});

test('a keyed number that is not ten digits is a wrong key; 2 at the read-back keys it again', () => {
  expect(press(['0', '3', '2', '12345'], CLOSED).call.context.notice).toBe('invalidKey');
  const again = press(['0', '3', '2', '6135550123', '2'], CLOSED);
  expect(again.call.value).toBe(SYSTEM.callbackKeyed);
  expect(again.call.context.callbackNumber).toBeNull();
});

test('the read-back says the number of the call it is for (its prompt is not shared between calls)', () => {
  const a = press(['0', '3', '2', '6135550123'], CLOSED, 'CA00000000000000000000000000000002');
  const b = press(['0', '3', '2', '4165550199'], CLOSED, 'CA00000000000000000000000000000003');
  expect(a.prompt.say.join(' ')).toContain('6 1 3, 5 5 5, 0 1 2 3');
  expect(b.prompt.say.join(' ')).toContain('4 1 6, 5 5 5, 0 1 9 9');
});

test('8 at a step: the caller stays at the step and hears how the text message went', () => {
  const asked = press(['2', '8'], CLOSED);
  expect(asked.call.value).toBe('password');
  expect(asked.call.context.pending).toEqual({ kind: 'text', what: 'steps', node: 'password' });
  const words = flow.flow.system.text;
  expect(settle(flow, asked, 'queued', CLOSED).prompt.say[0]).toBe(words.stepsQueued);
  expect(settle(flow, asked, 'already', CLOSED).prompt.say[0]).toBe(words.already);
  expect(settle(flow, asked, 'refused', CLOSED).prompt.say[0]).toBe(words.refused);
  expect(settle(flow, asked, 'queued', CLOSED).call.value).toBe('password');
});

test('within the hours a busy desk offers a callback and a text message beside try again', () => {
  const busy = press(['0', { type: 'DIAL', outcome: 'busy' }], { ...SPEAKING, textMessages: true });
  expect(busy.call.value).toBe(SYSTEM.dialFailed);
  const said = busy.prompt.say.join(' ');
  expect(said).toContain(flow.flow.system.dialFailed.choices);
  expect(said).toContain(flow.flow.phrases.callback);
  expect(said).toContain(flow.flow.phrases.textDetails);
});

test('expired callbacks are counted once on /metrics, as are asked, done and not reached', async () => {
  let now = 1_000_000;
  const metrics = new Metrics();
  const callbacks = new Callbacks({
    store: new MemoryCallbackStore(() => now),
    metrics,
    logger: createLogger('silent'),
    retentionDays: 1,
    rules: { countries: new Set(['US', 'CA']), own: [] },
    hourlyLimit: 100,
    secret: 'test-secret',
    now: () => now,
  });
  // One open callback per number: each call from its own.
  const from: Record<string, string> = { CA1: '+12045550101', CA2: '+12045550102', CA3: '+12045550103' };
  const ask = (callSid: string) => callbacks.ask({ callSid, reference: '123456', reason: 'r', told: [], from: from[callSid], keyed: null });
  expect(await ask('CA1')).toBe('queued');
  expect(await ask('CA1')).toBe('already');
  expect(await ask('CA2')).toBe('queued');
  expect(await ask('CA3')).toBe('queued');
  await callbacks.claim('CA2', 'alice');
  await callbacks.close('CA2', 'alice', 'not-reached');
  now += 2 * 24 * 60 * 60 * 1000;
  expect(await callbacks.expire()).toBe(2);
  expect(await callbacks.expire()).toBe(0);
  const text = await metrics.render();
  expect(text).toMatch(/portal_line_callbacks_total\{event="asked"\} 3/);
  expect(text).toMatch(/portal_line_callbacks_total\{event="not-reached"\} 1/);
  expect(text).toMatch(/portal_line_callbacks_total\{event="expired"\} 2/);
  expect(await callbacks.ask({ callSid: 'CA4', reference: '1', reason: 'r', told: [], from: 'anonymous', keyed: null })).toBe('refused');
});
