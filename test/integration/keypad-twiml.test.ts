import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLine, type TestLine } from '../helpers/line';

/**
 * The keypad-only TwiML of every kind of prompt, pinned in a fixture made before the line listened for speech.
 * With speech turned off (SPEECH_INPUT=off), the line answers exactly these documents, byte for byte.
 * UPDATE_KEYPAD_TWIML=1 rewrites the fixture: only ever on purpose, for a change of the keypad line itself.
 */
const FIXTURE = 'test/fixtures/keypad-twiml.json';
const CALL = { CallSid: `CA${'5'.repeat(32)}`, From: '+15555550123', To: '+15555550100' };
const CALL_2 = { ...CALL, CallSid: `CA${'6'.repeat(32)}` };
const CALL_3 = { ...CALL, CallSid: `CA${'7'.repeat(32)}` };

type Post = [name: string, path: string, params: Record<string, string>];

/** Every kind of prompt: greeting and menu, question, reprompts, steps, waiting, transfer, desk retry, ends, rescue. */
const POSTS: Post[] = [
  ['greeting and main menu', '/voice', CALL],
  ['question', '/voice/input?t=1', { ...CALL, Digits: '1' }],
  ['reprompt after no key', '/voice/input?t=2', CALL],
  ['reprompt after a wrong key', '/voice/input?t=3', { ...CALL, Digits: '7' }],
  ['steps after an answer, with the words said after any answer', '/voice/input?t=4', { ...CALL, Digits: '2' }],
  ['steps waiting in silence', '/voice/input?t=5', CALL],
  ['main menu again', '/voice/input?t=6', { ...CALL, Digits: '9' }],
  ['transfer on request', '/voice/input?t=7', { ...CALL, Digits: '0' }],
  ['the desk is busy: try again?', '/voice/dial?t=8', { ...CALL, DialCallStatus: 'busy' }],
  ['the desk number and the reference', '/voice/input?t=9', { ...CALL, Digits: '2' }],
  ['goodbye after the desk number', '/voice/input?t=10', { ...CALL, Digits: '5' }],
  ['main menu of a second call', '/voice', CALL_2],
  ['steps with a next step', '/voice/input?t=1', { ...CALL_2, Digits: '4' }],
  ['the next step', '/voice/input?t=2', { ...CALL_2, Digits: '3' }],
  ['solved: the flow goodbye', '/voice/input?t=3', { ...CALL_2, Digits: '1' }],
  ['a third call', '/voice', CALL_3],
  ['menu option to a question', '/voice/input?t=1', { ...CALL_3, Digits: '3' }],
  ['question to a flow transfer', '/voice/input?t=2', { ...CALL_3, Digits: '2' }],
  ['flow transfer', '/voice/input?t=3', { ...CALL_3, Digits: '1' }],
  ['after the desk', '/voice/dial?t=4', { ...CALL_3, DialCallStatus: 'completed' }],
  ['whisper', '/voice/whisper?w=Portal%20login%20transfer', { ...CALL, CallSid: `CA${'8'.repeat(32)}` }],
  ['fallback rescue', '/voice/fallback', { ...CALL, CallSid: `CA${'9'.repeat(32)}` }],
  ['rescue: the desk is busy', '/voice/rescue/dial?d=0', { ...CALL, CallSid: `CA${'9'.repeat(32)}`, DialCallStatus: 'busy' }],
  ['rescue: a wrong key', '/voice/rescue/choice?s=f&n=0&d=1&p=busy', { ...CALL, CallSid: `CA${'9'.repeat(32)}`, Digits: '5' }],
  ['rescue: end the call', '/voice/rescue/choice?s=f&n=1&d=1&p=busy', { ...CALL, CallSid: `CA${'9'.repeat(32)}`, Digits: '2' }],
];

async function documents(line: TestLine): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, path, params] of POSTS) {
    const res = await line.post(path, params);
    expect(res.status).toBe(200);
    out[name] = res.text;
  }
  return out;
}

/** The flows folder with portal-login's speech block turned off. */
function flowsWithoutSpeech(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flows-'));
  const yaml = readFileSync('call-flows/portal-login.yaml', 'utf8').replace(/^speech:\n {2}enabled: true$/m, 'speech:\n  enabled: false');
  if (!yaml.includes('enabled: false')) throw new Error('the flow has no speech block to turn off');
  writeFileSync(join(dir, 'portal-login.yaml'), yaml);
  return dir;
}

test.each([
  ['by the variable (SPEECH_INPUT=off)', () => ({ SPEECH_INPUT: 'off' })],
  ['by the flow (speech: { enabled: false })', () => ({ SPEECH_INPUT: 'on', FLOWS_DIR: flowsWithoutSpeech() })],
])('with speech turned off %s, every prompt is the keypad-only TwiML the line sent before it listened for speech', async (how, env) => {
  const line = await startLine('memory', env());
  try {
    const actual = await documents(line);
    if (process.env.UPDATE_KEYPAD_TWIML === '1' && how.includes('variable')) writeFileSync(FIXTURE, `${JSON.stringify(actual, null, 2)}\n`);
    const pinned = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, string>;
    expect(Object.keys(pinned)).toEqual(POSTS.map(([name]) => name));
    for (const [name] of POSTS) expect(`${name}\n${actual[name]}`).toBe(`${name}\n${pinned[name]}`);
    expect(Object.values(actual).join('')).not.toMatch(/speech|hints/);
  } finally {
    await line.close();
  }
});

test('with speech on, the same prompts listen for speech too: the fixture is not what speech on sends', async () => {
  const line = await startLine('memory');
  try {
    const actual = await documents(line);
    const pinned = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, string>;
    expect(actual['question']).not.toBe(pinned['question']);
    expect(actual['question']).toContain('input="dtmf speech"');
    // Transfers, ends and the whisper have no Gather: the same with speech on.
    expect(actual['flow transfer']).toBe(pinned['flow transfer']);
  } finally {
    await line.close();
  }
});
