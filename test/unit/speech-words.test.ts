import { interpret, spokenChoices } from '../../src/engine/understanding/speech';
import { portalLogin } from '../helpers/flows';
import { startingContext, type CallContext } from '../../src/engine/call-machine';

describe('interpret: a spoken answer as the call machine takes it', () => {
  const { flow } = portalLogin();
  const context = (confirming: CallContext['confirming'] = null): CallContext => ({
    ...startingContext('123456'),
    notice: null,
    confirming,
  });
  const settings = { confidenceThreshold: 0.5 };
  const speech = (text: string, confidence = 0.9) => ({ type: 'SPEECH' as const, text, confidence });

  test('a clear match is the key of its choice, with how it was said', () => {
    expect(interpret(flow, 'main-menu', context(), speech('password'), settings).event).toEqual({
      type: 'KEY',
      key: '2',
      said: { word: 'password', confidence: 0.9, confirmed: false },
    });
  });
  test('at the threshold a match is acted on; below it, confirmed', () => {
    expect(interpret(flow, 'main-menu', context(), speech('password', 0.5), settings).event.type).toBe('KEY');
    expect(interpret(flow, 'main-menu', context(), speech('password', 0.49), settings).event).toEqual({
      type: 'CONFIRM',
      key: '2',
      confidence: 0.49,
    });
  });
  test('at a confirmation, yes is the answer confirmed, no refuses, and the desk still works', () => {
    const at = context({ key: '2', confidence: 0.3 });
    expect(interpret(flow, 'main-menu', at, speech('yes', 0.2), settings).event).toEqual({
      type: 'KEY',
      key: '2',
      said: { word: 'password', confidence: 0.3, confirmed: true },
    });
    expect(interpret(flow, 'main-menu', at, speech('nope'), settings).event).toEqual({ type: 'REFUSE' });
    expect(interpret(flow, 'main-menu', at, { type: 'KEY', key: '2' }, settings).event).toEqual({ type: 'REFUSE' });
    expect(interpret(flow, 'main-menu', at, speech('agent'), settings).event).toMatchObject({ type: 'KEY', key: '0' });
  });
  test('speech that means nothing here is not understood; with speech off, it is a wrong key', () => {
    expect(interpret(flow, 'main-menu', context(), speech('banana'), settings).event).toEqual({ type: 'NOT_UNDERSTOOD' });
    expect(interpret(flow, 'main-menu', context(), speech('Is the cafeteria open on Sundays?'), settings).event).toEqual({
      type: 'NOT_UNDERSTOOD',
    });
    expect(interpret(flow, 'main-menu', context(), speech('password'), undefined).event).toEqual({ type: 'KEY', key: '?' });
  });
  test('each kind of prompt offers its own words and the words that work everywhere', () => {
    const keys = (state: string) => spokenChoices(flow, state, { confirming: null }).map((c) => c.key);
    expect(keys('main-menu')).toEqual(['1', '2', '3', '4', '0', '*', '9']);
    expect(keys('username')).toEqual(['1', '2', '3', '0', '*', '9']);
    expect(keys('mfa-changed-device')).toEqual(['1', '2', '0', '*', '9']);
    // At steps, 8 for the steps by text; beside "try again", 3 for a callback and 8 for the details by text.
    expect(keys('black-screen-restart')).toEqual(['1', '2', '3', '8', '0', '*', '9']);
    expect(keys('password')).toEqual(['1', '2', '8', '0', '*', '9']);
    expect(keys('_dial_failed')).toEqual(['1', '2', '3', '8', '0', '*', '9']);
    expect(keys('_desk_closed')).toEqual(['3', '8', '2', '0', '*', '9']);
    expect(keys('_callback_number')).toEqual(['1', '2', '0', '*', '9']);
    expect(keys('_callback_confirm')).toEqual(['1', '2', '0', '*', '9']);
    // Where the number is keyed: a number said (spoken-number.ts), or what works everywhere.
    expect(keys('_callback_keyed')).toEqual(['0', '*', '9']);
    expect(keys('_desk_unavailable')).toEqual(['*', '9']);
    expect(keys('username-ticket')).toEqual([]);
  });
});
