import { getExpectedTwilioSignature } from 'twilio';
import { isSignedByTwilio, twilioSignature } from '../../src/telephony/signature';
import { readTwiml } from '../../src/simulator/twiml-reader';
import { lastResortTwiml, renderPrompt, whisperTwiml, type RenderOptions } from '../../src/telephony/twiml';

const options: RenderOptions = {
  baseUrl: 'https://line.example.test',
  voice: { language: 'en-US', voice: 'Polly.Joanna' },
  bsdNumber: '+18006052965',
  gatherTimeoutSeconds: 7,
  stepsTimeoutSeconds: 30,
  dialTimeoutSeconds: 30,
};
const urls = { input: 'https://line.example.test/voice/input?t=3', dial: 'https://line.example.test/voice/dial?t=3' };

test('a question is a one-key Gather that reports no input too, then a Redirect to the same action', () => {
  const xml = renderPrompt({ kind: 'ask', node: 'username', say: ['Did you?', 'If yes, press 1.'], patient: false }, urls, options);
  expect(xml).toContain('actionOnEmptyResult="true"');
  expect(xml).toContain('finishOnKey=""');
  expect(xml).toContain('numDigits="1"');
  expect(xml).toContain('<Say language="en-US" voice="Polly.Joanna">Did you? If yes, press 1.</Say>');
  expect(readTwiml(xml)).toEqual([
    {
      verb: 'Gather',
      action: urls.input,
      method: 'POST',
      numDigits: 1,
      timeout: 7,
      actionOnEmptyResult: true,
      says: ['Did you? If yes, press 1.'],
    },
    { verb: 'Redirect', url: urls.input, method: 'POST' },
  ]);
});

test('self-service steps wait longer for a key', () => {
  const verbs = readTwiml(renderPrompt({ kind: 'ask', node: 'password', say: ['Reset it.'], patient: true }, urls, options));
  expect(verbs[0]).toMatchObject({ verb: 'Gather', timeout: 30 });
});

test('a transfer speaks, then dials the desk with a whisper URL and a dial action', () => {
  const xml = renderPrompt(
    { kind: 'transfer', node: 'x', say: ['Transferring.'], whisper: 'Reference 1 2 3. Reason & more.' },
    urls,
    options,
  );
  const verbs = readTwiml(xml);
  expect(verbs[0]).toEqual({ verb: 'Say', text: 'Transferring.' });
  expect(verbs[1]).toMatchObject({ verb: 'Dial', action: urls.dial, timeout: 30 });
  const dial = verbs[1] as Extract<(typeof verbs)[number], { verb: 'Dial' }>;
  expect(dial.numbers[0]!.number).toBe('+18006052965');
  const whisper = new URL(dial.numbers[0]!.url!);
  expect(whisper.pathname).toBe('/voice/whisper');
  expect(whisper.searchParams.get('w')).toBe('Reference 1 2 3. Reason & more.');
  expect(verbs).toHaveLength(2);
});

test('an end speaks and hangs up', () => {
  expect(readTwiml(renderPrompt({ kind: 'end', node: 'goodbye', say: ['Goodbye.'] }, urls, options))).toEqual([
    { verb: 'Say', text: 'Goodbye.' },
    { verb: 'Hangup' },
  ]);
});

test('text is escaped for XML', () => {
  const xml = renderPrompt({ kind: 'end', node: 'g', say: ['Click "Don\'t remember my password?" <now> & go'] }, urls, options);
  expect(readTwiml(xml)[0]).toEqual({ verb: 'Say', text: 'Click "Don\'t remember my password?" <now> & go' });
});

test('the whisper plays to the agent, with no Dial in it', () => {
  const verbs = readTwiml(whisperTwiml('Reference 1 2 3.', options));
  expect(verbs).toEqual([
    { verb: 'Say', text: 'Reference 1 2 3.' },
    { verb: 'Pause', length: 1 },
  ]);
});

test('the last resort dials the desk with nothing else to go on, and is not silent if the desk is busy', () => {
  expect(readTwiml(lastResortTwiml('+18006052965', '1, 8 0 0, 6 0 5, 2 9 6 5'))).toEqual([
    { verb: 'Say', text: expect.stringContaining('Business Support Desk') },
    { verb: 'Dial', method: 'POST', timeout: 30, numbers: [{ number: '+18006052965' }] },
    { verb: 'Say', text: 'If you still need help, please call the Business Support Desk at 1, 8 0 0, 6 0 5, 2 9 6 5. Goodbye.' },
    { verb: 'Hangup' },
  ]);
});

describe('signatures', () => {
  const params = { CallSid: `CA${'1'.repeat(32)}`, Digits: '1', From: '+16045551234', Empty: '', Odd: 'é & ü=?' };

  test('agree with the twilio package, parameters in any order, odd characters included', () => {
    const url = 'https://line.example.org/voice/input?t=3';
    expect(twilioSignature('token', url, params)).toBe(getExpectedTwilioSignature('token', url, params));
    expect(
      isSignedByTwilio('token', 'https://line.example.org', '/voice/input?t=3', getExpectedTwilioSignature('token', url, params), params),
    ).toBe(true);
  });

  test('refuse another token, URL, parameter value, or a missing signature', () => {
    const url = 'https://line.example.org/voice';
    const good = getExpectedTwilioSignature('token', url, params);
    expect(isSignedByTwilio('other', 'https://line.example.org', '/voice', good, params)).toBe(false);
    expect(isSignedByTwilio('token', 'https://line.example.org', '/voice?x=1', good, params)).toBe(false);
    expect(isSignedByTwilio('token', 'https://line.example.org', '/voice', good, { ...params, Digits: '2' })).toBe(false);
    expect(isSignedByTwilio('token', 'https://line.example.org', '/voice', undefined, params)).toBe(false);
    expect(isSignedByTwilio('token', 'https://line.example.org', '/voice', 'short', params)).toBe(false);
  });
});
