import type { CallEvent } from '../../src/engine/call-machine';
import { SYSTEM } from '../../src/engine/compile';
import type { SpeakingContext } from '../../src/engine/prompt';
import { advance, settle, startCall, type SavedCall, type Turn } from '../../src/engine/step';
import { portalLogin, SPEAKING } from '../helpers/flows';

/** What a caller hears, in the order a physician would expect it. */

const flow = portalLogin();
const { phrases, system } = flow.flow;
const TEXTS: SpeakingContext = { ...SPEAKING, textMessages: true };
const CLOSED: SpeakingContext = { ...TEXTS, closed: { opens: 'Monday at 8 a.m. Eastern' } };

function press(keys: (string | CallEvent)[], speaking: SpeakingContext): Turn {
  let turn = startCall(flow, 'CA00000000000000000000000000000001', speaking);
  for (const k of keys) {
    const saved: SavedCall = { flowVersion: flow.version, nodeVersion: turn.nodeVersion, call: turn.call };
    turn = advance(flow, saved, typeof k === 'string' ? { type: 'KEY', key: k } : k, speaking);
  }
  return turn;
}

/** The keys a prompt offers, in the order it says them. */
const keysSaid = (say: string[]) => [...say.join(' ').matchAll(/press (\d)\b/g)].map((m) => m[1]);

test('"No rush: I\'ll wait." comes after the steps, not before them', () => {
  const said = press(['2'], TEXTS).prompt.say; // password: self-service steps
  const node = flow.flow.nodes.password as { say: string };
  expect(said.indexOf(phrases.willWait)).toBe(said.indexOf(node.say) + 1);
});

test('the keys at steps are read in order: 1, 2, 3, then 8', () => {
  expect(keysSaid(press(['4'], TEXTS).prompt.say)).toEqual(['1', '2', '3', '8']); // black screen: restart, with "more"
  expect(keysSaid(press(['2'], TEXTS).prompt.say)).toEqual(['1', '2', '8']);
});

test('the keys at the closed desk are read in order: 2, 3, 8', () => {
  expect(keysSaid(press(['0'], CLOSED).prompt.say)).toEqual(['2', '3', '8']);
});

const saved = (t: Turn): SavedCall => ({ flowVersion: flow.version, nodeVersion: t.nodeVersion, call: t.call });

test.each(['queued', 'already'] as const)('once a text was %s, 8 is no longer offered for it; another text still is', (outcome) => {
  const after = settle(flow, press(['4', '8'], TEXTS), outcome, TEXTS);
  expect(after.call.value).toBe('black-screen-restart');
  expect(keysSaid(after.prompt.say)).toEqual(['1', '2', '3']);
  // Heard again later in the call: still not offered.
  const again = advance(flow, saved(after), { type: 'KEY', key: '2' }, TEXTS);
  expect(keysSaid(again.prompt.say)).toEqual(['1', '2', '3']);
  // The next step's steps, and the desk's details, are other texts.
  const next = advance(flow, saved(after), { type: 'KEY', key: '3' }, TEXTS);
  expect(next.call.value).toBe('black-screen-refresh');
  expect(keysSaid(next.prompt.say)).toContain('8');
  const closed = advance(flow, saved(after), { type: 'KEY', key: '0' }, CLOSED);
  expect(keysSaid(closed.prompt.say)).toEqual(['2', '3', '8']);
});

test('once a text was refused (the number, or a limit), no text is offered again in the call', () => {
  const after = settle(flow, press(['4', '8'], TEXTS), 'refused', TEXTS);
  expect(keysSaid(after.prompt.say)).toEqual(['1', '2', '3']);
  const next = advance(flow, saved(after), { type: 'KEY', key: '3' }, TEXTS);
  expect(keysSaid(next.prompt.say)).not.toContain('8');
  const closed = advance(flow, saved(after), { type: 'KEY', key: '0' }, CLOSED);
  expect(closed.call.value).toBe(SYSTEM.deskClosed);
  expect(keysSaid(closed.prompt.say)).toEqual(['2', '3']);
});

test('a text that failed for a fault of the line ("I couldn\'t send the text just now") is offered again', () => {
  const after = settle(flow, press(['2', '8'], TEXTS), 'failed', TEXTS);
  expect(after.prompt.say.join(' ')).toContain(system.text.failed);
  expect(keysSaid(after.prompt.say)).toEqual(['1', '2', '8']);
  // A call that asked for none hears it too.
  expect(keysSaid(press(['4', '3'], TEXTS).prompt.say)).toContain('8');
});

test('a text that could not be sent: the line owns it, the phone is not blamed', () => {
  const refused = settle(flow, press(['2', '8'], TEXTS), 'refused', TEXTS);
  const said = refused.prompt.say.join(' ');
  expect(said).toContain(system.text.refused);
  expect(system.text.refused).not.toMatch(/this phone/);
  expect(system.text.refused).toMatch(/\bI couldn't\b/);
});

test('"I\'m still here" says 0 reaches the desk', () => {
  const waiting = press(['2', { type: 'SILENCE' }], TEXTS);
  expect(waiting.call.context.notice).toBe('waiting');
  const said = waiting.prompt.say.join(' ');
  expect(said).toMatch(/^I'm still here\. .*press 0\b/);
  expect(keysSaid(waiting.prompt.say)).toEqual(['0', '1', '2', '8']);
});

test('"No rush: I\'ll wait." is left out where the steps themselves say to wait', () => {
  const refresh = press(['4', '3'], TEXTS).prompt.say; // "Wait a few minutes, then refresh your browser."
  expect(refresh[0]).toMatch(/^Wait a few minutes/);
  expect(refresh).not.toContain(phrases.willWait);
});
