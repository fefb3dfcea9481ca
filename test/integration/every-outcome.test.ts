import { DEFAULT_SPEECH, spokenChoices } from '../../src/engine/understanding/speech';
import { nameOf } from '../../src/flows/words';
import { formatTranscript } from '../../src/simulator/caller';
import { walkFlow, type Move, type WalkedPath } from '../../src/timing/walk';
import { portalLogin, SPEAKING } from '../helpers/flows';
import { startLine, type TestLine } from '../helpers/line';

/**
 * Every outcome of the flow (each branch of the published text, each transfer, the desk busy or not answering),
 * completed twice through the simulator on the real line: by keypad alone, and by voice alone (each key replaced by
 * the first word of the choice it stands for, said as Twilio posts speech; a callback number too, digit by digit).
 * Both must hear the same words and end the same way. The paths are the listening-time report's, so a branch added to the flow is walked here too.
 */
const flow = portalLogin();
const paths = walkFlow(flow, { ...SPEAKING, speech: DEFAULT_SPEECH }).filter((p) => p.ending !== 'loop');

const DESK: Record<string, string> = { busy: 'busy', noAnswer: 'no-answer' };
const DIGIT_WORDS = ['oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** The simulator's steps for a path: its keys, or the words for them. */
function steps(path: WalkedPath, by: 'keypad' | 'voice'): string {
  return path.moves
    .map((move: Move, i) => {
      if (move.kind === 'dial') return DESK[move.outcome]!;
      if (move.kind === 'silence') return '_';
      if (by === 'keypad') return move.key;
      // A callback number, said digit by digit ("six-one-three-…": --keys steps hold no spaces).
      if (move.key.length > 1)
        return `say:${move.key
          .split('')
          .map((d) => DIGIT_WORDS[Number(d)])
          .join('-')}`;
      const at = path.heard[i]!.state;
      const choice = spokenChoices(flow.flow, at, { confirming: null }).find((c) => c.key === move.key);
      // A key that is no choice where it is pressed (any key after the desk's number: goodbye) is any other word.
      return `say:${choice === undefined ? 'thank you' : nameOf(choice)}`;
    })
    .join(',');
}

const lineWords = (text: string) =>
  text
    .split('\n')
    .filter((l) => !l.startsWith('CALLER'))
    .join('\n');

let line: TestLine;
// The voice calls on a line of their own: one callback per number is open at a time, and the simulated caller
// always calls from the same number.
let voiceLine: TestLine;
beforeAll(async () => {
  line = await startLine('memory');
  voiceLine = await startLine('memory');
});
afterAll(async () => {
  await line.close();
  await voiceLine.close();
});

test('the walk covers every branch of the published text', () => {
  const finals = new Set(paths.map((p) => p.final));
  for (const outcome of [
    'username-ticket',
    'username-verification',
    'username-reenter',
    'password',
    'mfa-reinstall',
    'mfa-reset-new-device',
    'mfa-get-code-from-owner',
    'mfa-reset-owner-unavailable',
    'mfa-none-apply',
    'black-screen-restart',
    'black-screen-refresh',
    'black-screen-it-support',
    'black-screen-ticket',
    'goodbye',
  ])
    expect(paths.some((p) => p.final === outcome || p.heard.some((h) => h.state === outcome))).toBe(true);
  expect(finals.size).toBeGreaterThan(5);
  expect(paths.length).toBeGreaterThanOrEqual(16);
});

test.each(paths.map((p) => [steps(p, 'keypad'), p] as const))('%s: completed by keypad alone and by voice alone', async (keys, path) => {
  const keypad = await line.call(keys);
  const voice = await voiceLine.call(steps(path, 'voice'));
  expect(keypad.errors).toEqual([]);
  expect(voice.errors).toEqual([]);
  const callerOf = (r: typeof keypad) => r.transcript.filter((l) => l.who === 'caller').map((l) => l.text);
  expect(callerOf(keypad).every((t) => /^presses|^hangs up$/.test(t))).toBe(true);
  expect(callerOf(voice).every((t) => /^says "|^presses nothing|^hangs up$/.test(t))).toBe(true);
  if (path.moves.some((m) => m.kind === 'key')) expect(callerOf(voice).some((t) => t.startsWith('says'))).toBe(true);
  // The same words from the line and the same ending, the reference aside (each call has its own).
  const same = (r: typeof keypad) => lineWords(formatTranscript(r.transcript)).replace(/\d \d \d, \d \d \d/g, 'N N N, N N N');
  expect(same(voice)).toBe(same(keypad));
  expect(voice.ending).toBe(keypad.ending);
});
