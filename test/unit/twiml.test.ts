import { XMLValidator } from 'fast-xml-parser';
import { readTwiml } from '../../src/simulator/twiml-reader';
import { lastResortTwiml, PromptRenderer, renderPrompt, whisperTwiml, type RenderOptions } from '../../src/telephony/twiml';
import type { Prompt } from '../../src/engine/prompt';
import { RENDER_OPTIONS } from '../helpers/flows';

const options: RenderOptions = RENDER_OPTIONS;
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
      input: ['dtmf'],
      says: ['Did you? If yes, press 1.'],
      plays: [{ verb: 'Say', text: 'Did you? If yes, press 1.' }],
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

/** The characters of `text` that XML 1.0 does not allow, by code point. */
function notXml(text: string): string[] {
  const found: string[] = [];
  for (const c of text) {
    const code = c.codePointAt(0)!;
    const allowed =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      code >= 0x10000;
    if (!allowed) found.push(`U+${code.toString(16)}`);
  }
  return found;
}

test('characters XML does not allow never reach TwiML, from a text or from an attribute', () => {
  const bad = 'a\u0000b\u0001c\u0008d\u000Be\u001Ff\uFFFEg\uFFFFh\uD800i\uDC00j';
  const kept = 'tab\tnewline\n emoji \uD83D\uDE00 é';
  const odd: RenderOptions = { ...options, baseUrl: `${options.baseUrl}\u0002`, bsdNumber: `+1800\u0003605` };
  const documents = [
    renderPrompt({ kind: 'ask', node: 'n', say: [bad, kept], patient: false }, { ...urls, input: `${urls.input}\u0004` }, odd),
    renderPrompt({ kind: 'transfer', node: 'n', say: [bad], whisper: bad }, { ...urls, dial: `${urls.dial}\uFFFF` }, odd),
    renderPrompt({ kind: 'end', node: 'n', say: [bad] }, urls, odd),
    whisperTwiml(bad, odd),
    lastResortTwiml(odd.bsdNumber, bad),
  ];
  for (const xml of documents) {
    expect(notXml(xml)).toEqual([]);
    expect(XMLValidator.validate(xml)).toBe(true);
  }
  expect(readTwiml(documents[0]!)[0]).toMatchObject({ verb: 'Gather', says: [`abcdefghij ${kept}`] });
  expect(readTwiml(documents[3]!)[0]).toEqual({ verb: 'Say', text: 'abcdefghij' });
});

test('a shared (frozen) prompt built once gives, at every version, the document built afresh', () => {
  const renderer = new PromptRenderer(options);
  const prompts: Prompt[] = [
    { kind: 'ask', node: 'username', say: ['Did you?', 'If yes, press 1.'], patient: false },
    { kind: 'ask', node: 'password', say: ['Reset it & wait.'], patient: true, waitSeconds: 120 },
    { kind: 'transfer', node: 'bsd', say: ['Connecting you.'], whisper: 'Reference 1 2 3.' },
  ];
  for (const prompt of prompts.map((p) => Object.freeze({ ...p, say: Object.freeze([...p.say]) as string[] })))
    for (const version of [1, 2, 17, 1234567])
      expect(renderer.render(prompt, version)).toBe(
        renderPrompt(
          prompt,
          { input: `${options.baseUrl}/voice/input?t=${version}`, dial: `${options.baseUrl}/voice/dial?t=${version}` },
          options,
        ),
      );
});

test('a prompt with hints listens for a key or speech, with the hints, the language, a model for short commands and auto end of speech', () => {
  const prompt = { kind: 'ask' as const, node: 'username', say: ['Did you?'], patient: false, hints: ['yes', 'no', 'not sure'] };
  const xml = renderPrompt(prompt, urls, options);
  expect(xml).toContain(
    `<Gather input="dtmf speech" numDigits="1" finishOnKey="" timeout="7" action="${urls.input}" method="POST" actionOnEmptyResult="true" hints="yes, no, not sure" language="en-US" speechModel="numbers_and_commands" speechTimeout="2"><Say language="en-US" voice="Polly.Joanna">Did you?</Say></Gather>`,
  );
  expect(readTwiml(xml)[0]).toMatchObject({ verb: 'Gather', input: ['dtmf', 'speech'], hints: ['yes', 'no', 'not sure'] });
  // Without hints, the keypad Gather as it always was.
  const { hints: _, ...keypad } = prompt;
  expect(renderPrompt(keypad, urls, options)).not.toMatch(/speech|hints|language="en-US" speech/);
});
