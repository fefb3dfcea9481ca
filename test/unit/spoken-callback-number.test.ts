import type { CallEvent } from '../../src/engine/call-machine';
import { SYSTEM } from '../../src/engine/compile';
import type { SpeakingContext } from '../../src/engine/prompt';
import { DEFAULT_SPEECH, hintsFor, interpret, NUMBER_HEARD } from '../../src/engine/understanding/speech';
import { advance, startCall, type SavedCall, type Turn } from '../../src/engine/step';
import { renderPrompt } from '../../src/telephony/twiml';
import { readTwiml } from '../../src/simulator/twiml-reader';
import { portalLogin, SPEAKING } from '../helpers/flows';

/** A callback number said, at the states that ask for one: taken as the same digits keyed, read back, confirmed. */

const flow = portalLogin();
const VOICE: SpeakingContext = { ...SPEAKING, speech: DEFAULT_SPEECH, closed: { opens: 'Monday at 8 a.m.' } };
const say = (text: string, confidence = 0.9): CallEvent => ({ type: 'SPEECH', text, confidence });

function steps(events: (string | CallEvent)[], speaking: SpeakingContext = VOICE): Turn {
  let turn = startCall(flow, 'CA00000000000000000000000000000001', speaking);
  for (const e of events) {
    const saved: SavedCall = { flowVersion: flow.version, nodeVersion: turn.nodeVersion, call: turn.call };
    turn = advance(flow, saved, typeof e === 'string' ? { type: 'KEY', key: e } : e, speaking);
  }
  return turn;
}

/** 0 (closed desk), 3 (a callback), 2 (another number): the line asks for the number. */
const TO_KEYED = ['0', '3', '2'];

test('a number said where it is keyed is read back digit by digit, as the same digits keyed are', () => {
  const spoken = steps([...TO_KEYED, say('call me at two oh four, five five five, oh one two three', 0.3)]);
  const keyed = steps([...TO_KEYED, '2045550123']);
  expect(spoken.call.value).toBe(SYSTEM.callbackConfirm);
  expect(spoken.call.context.callbackNumber).toBe('2045550123');
  expect(spoken.prompt).toEqual(keyed.prompt);
  expect(spoken.prompt.say.join(' ')).toContain('The number is 2 0 4, 5 5 5, 0 1 2 3.');
  // The log line learns that a number was heard, not which.
  expect(spoken.heard).toEqual({ mode: 'speech', option: NUMBER_HEARD, confidence: 0.3, match: 'matched' });
  expect(JSON.stringify(spoken.heard)).not.toMatch(/\d{3}|two oh/);
  expect(spoken.call.context.path.join(' ')).not.toMatch(/\d{4}/);
});

test('the read-back takes 1 or yes (booked), 2 or no (asked again), by key or by voice', () => {
  const spoken = [...TO_KEYED, say('204-555-0123')];
  for (const yes of ['1', say('yes')]) {
    expect(steps([...spoken, yes]).call.context.pending).toEqual({ kind: 'callback', number: '2045550123' });
  }
  for (const no of ['2', say('no')]) {
    const again = steps([...spoken, no]);
    expect(again.call.value).toBe(SYSTEM.callbackKeyed);
    expect(again.call.context.callbackNumber).toBeNull();
  }
});

test('a number said straight away at "this phone or another number" goes to the same read-back', () => {
  const turn = steps(['0', '3', say('my number is (204) 555 0123')]);
  expect(turn.call.value).toBe(SYSTEM.callbackConfirm);
  expect(turn.call.context.callbackNumber).toBe('2045550123');
  // The words of the choices still work there.
  expect(steps(['0', '3', say('another number')]).call.value).toBe(SYSTEM.callbackKeyed);
});

test('an answer that is not exactly a 10-digit number is not understood, and asked again; never guessed', () => {
  for (const text of ['two oh four five five five', '204 555 0123 or 613 555 0199', 'eight hundred five five five oh one two three']) {
    const turn = steps([...TO_KEYED, say(text)]);
    expect({ text, state: turn.call.value, notice: turn.call.context.notice }).toEqual({
      text,
      state: SYSTEM.callbackKeyed,
      notice: 'notUnderstood',
    });
    expect(turn.call.context.callbackNumber).toBeNull();
  }
  // What works everywhere still does: the desk (closed here, so the closed desk's choice again).
  expect(steps([...TO_KEYED, say('agent')]).call.value).toBe(SYSTEM.deskClosed);
  expect(steps([...TO_KEYED, say('agent')], { ...VOICE, closed: undefined }).call.value).toBe(SYSTEM.bsdRequest);
});

test('a spoken number the desk may not call is refused as a keyed one is, before it is read back', () => {
  const numbers = { caller: () => true, keyed: (digits: string) => digits !== '9005550123' };
  const turn = steps([...TO_KEYED, say('nine hundred')], { ...VOICE, callbackNumbers: numbers });
  expect(turn.call.value).toBe(SYSTEM.callbackKeyed);
  const refused = steps([...TO_KEYED, say('nine oh oh, five five five, oh one two three')], { ...VOICE, callbackNumbers: numbers });
  const keyed = steps([...TO_KEYED, '9005550123'], { ...VOICE, callbackNumbers: numbers });
  expect(refused.call.value).toBe(SYSTEM.callbackKeyed);
  expect(refused.call.context.notice).toBe('keyedNumberUnfit');
  expect(refused.prompt).toEqual(keyed.prompt);
});

test('interpret: a number only where one is asked for, and only while no "did you say" is open', () => {
  const at = (state: string, confirming: { key: string; confidence: number } | null = null) =>
    interpret(flow.flow, state, { ...steps([]).call.context, confirming }, say('204 555 0123'), DEFAULT_SPEECH).event;
  expect(at(SYSTEM.callbackKeyed)).toEqual({ type: 'KEY', key: '2045550123' });
  expect(at(SYSTEM.callbackNumber)).toEqual({ type: 'KEY', key: '2045550123' });
  expect(at(flow.flow.start)).toEqual({ type: 'NOT_UNDERSTOOD' });
  expect(at(SYSTEM.callbackKeyed, { key: '0', confidence: 0.2 })).toEqual({ type: 'NOT_UNDERSTOOD' });
  // Without speech, Twilio sends none; one that came anyway is no number.
  expect(interpret(flow.flow, SYSTEM.callbackKeyed, steps([]).call.context, say('204 555 0123'), undefined).event).toEqual({
    type: 'KEY',
    key: '?',
  });
});

test('where the number is keyed the line listens for speech too, hinting the words of a number, and says so', () => {
  const turn = steps(TO_KEYED);
  expect(turn.prompt.say.join(' ')).toContain('Key in or say the 10-digit number to call, area code first.');
  const hints = hintsFor(flow.flow, SYSTEM.callbackKeyed, { confirming: null });
  expect(hints).toEqual(expect.arrayContaining(['oh', 'zero', 'nine', 'double', 'agent']));
  const urls = { input: 'https://line.example.test/voice/input?t=4', dial: 'https://line.example.test/voice/dial?t=4' };
  const options = {
    baseUrl: 'https://line.example.test',
    voice: { language: 'en-US' },
    bsdNumber: SPEAKING.bsdNumber,
    gatherTimeoutSeconds: 7,
    stepsTimeoutSeconds: 20,
    dialTimeoutSeconds: 30,
    speech: DEFAULT_SPEECH,
  };
  const [gather] = readTwiml(renderPrompt(turn.prompt, urls, options));
  expect(gather).toMatchObject({
    verb: 'Gather',
    input: ['dtmf', 'speech'],
    numDigits: 10,
    speechModel: 'numbers_and_commands',
    speechTimeout: '3',
  });
  // Keys only: the keypad wording, no speech.
  const keypad = steps(TO_KEYED, { ...SPEAKING, closed: VOICE.closed });
  expect(keypad.prompt.say.join(' ')).toContain('Key in the 10-digit number to call');
  expect(keypad.prompt).not.toHaveProperty('hints');
});
