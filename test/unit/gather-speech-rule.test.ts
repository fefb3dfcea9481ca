import { notice, startingContext, type CallContext, type CallEvent, type DialProblem } from '../../src/engine/call-machine';
import { DEFAULT_SPEECH, spokenChoices } from '../../src/engine/understanding/speech';
import { promptFor, type SpeakingContext } from '../../src/engine/prompt';
import { readTwimlChecked, speechTimeoutProblem } from '../../src/simulator/twiml-reader';
import { walkFlow } from '../../src/timing/walk';
import { PromptRenderer, lastResortTwiml, whisperTwiml, type RenderOptions } from '../../src/telephony/twiml';
import { Rescue } from '../../src/turn/rescue';
import { portalLogin, SPEAKING } from '../helpers/flows';

/**
 * Twilio's rule for a <Gather> that listens for speech: with a speechModel, speechTimeout is a whole number of
 * seconds; `auto` only without a model (warnings 13335, 13327, 13328; see speechTimeoutProblem). Held here for every
 * document the line can send: every state of the compiled flow (its nodes and the states the compiler adds: the
 * desk's retry, the closed desk, the callback's number, keyed number and read-back…) in every notice, with and
 * without a "did you say" open or a number to read back, with speech on and off, the desk open and closed; every
 * path the listening-time report walks; and the rescue path. The simulator's reader reports the same rule as a
 * problem, so every simulated call (the documented transcripts, every outcome) holds it too.
 */

const flow = portalLogin();
const BASE = 'https://line.example.test';

function options(speech: boolean): RenderOptions {
  return {
    baseUrl: BASE,
    voice: { voice: 'Polly.Joanna', language: 'en-US' },
    bsdNumber: SPEAKING.bsdNumber,
    gatherTimeoutSeconds: 7,
    stepsTimeoutSeconds: 20,
    dialTimeoutSeconds: 30,
    ...(speech && { speech: DEFAULT_SPEECH }),
  };
}

const SPEAKINGS: [string, SpeakingContext][] = [];
for (const speech of [true, false])
  for (const closed of [false, true])
    for (const texts of [false, true])
      SPEAKINGS.push([
        `speech ${speech ? 'on' : 'off'}, desk ${closed ? 'closed' : 'open'}, texts ${texts ? 'on' : 'off'}`,
        {
          ...SPEAKING,
          textMessages: texts,
          ...(speech && { speech: DEFAULT_SPEECH }),
          ...(closed && { closed: { opens: 'tomorrow at 8 a.m.' } }),
        },
      ]);

/** The problems of one document: what the reader could not follow, and the speech rule. */
function problemsOf(what: string, twiml: string): string[] {
  return readTwimlChecked(twiml).problems.map((p) => `${what}: ${p}`);
}

/**
 * The ways a call can stand in `state` that change what it is told: each notice; each "did you say" it may ask;
 * each way the desk's dial ended; a number to read back.
 */
function contexts(state: string): CallContext[] {
  const base = startingContext('123456');
  const confirmings = spokenChoices(flow.flow, state, { confirming: null }).map((c) => ({ key: c.key, confidence: 0.3 }));
  const problems: DialProblem[] = ['busy', 'noAnswer', 'failed'];
  return [
    ...[...notice.unwrap().options, null].map((n) => ({ ...base, notice: n })),
    ...confirmings.map((confirming) => ({ ...base, notice: null, confirming })),
    ...problems.flatMap((dialProblem) => [
      { ...base, notice: 'dialEnded' as const, dialProblem },
      { ...base, notice: null, dialProblem },
    ]),
    { ...base, notice: null, callbackNumber: '2045550123' },
    { ...base, notice: 'keyedNumberUnfit', callbackNumber: null },
  ];
}

test('the rule itself: a model takes whole seconds, auto only without a model; keys only are not its concern', () => {
  const speech = ['dtmf', 'speech'];
  expect(speechTimeoutProblem({ input: speech, speechModel: 'numbers_and_commands', speechTimeout: 'auto' })).toMatch(/13335/);
  expect(speechTimeoutProblem({ input: speech, speechModel: 'numbers_and_commands' })).toMatch(/whole number/);
  expect(speechTimeoutProblem({ input: speech, speechModel: 'numbers_and_commands', speechTimeout: '0' })).toBeDefined();
  expect(speechTimeoutProblem({ input: speech, speechModel: 'numbers_and_commands', speechTimeout: '2.5' })).toBeDefined();
  expect(speechTimeoutProblem({ input: speech, speechModel: 'numbers_and_commands', speechTimeout: '2' })).toBeUndefined();
  expect(speechTimeoutProblem({ input: speech, speechTimeout: 'auto' })).toBeUndefined();
  expect(speechTimeoutProblem({ input: ['dtmf'], speechModel: 'numbers_and_commands', speechTimeout: 'auto' })).toBeUndefined();
});

test.each(SPEAKINGS)('every state of the flow, in every notice, keeps the rule (%s)', (_, speaking) => {
  const renderer = new PromptRenderer(options(speaking.speech !== undefined));
  const problems: string[] = [];
  let gathers = 0;
  let listening = 0;
  for (const state of Object.keys(flow.nodeVersions))
    for (const context of contexts(state)) {
      const twiml = renderer.render(promptFor(flow, state, context, speaking), 4);
      gathers += twiml.includes('<Gather') ? 1 : 0;
      listening += twiml.includes('input="dtmf speech"') ? 1 : 0;
      problems.push(...problemsOf(`${state} (${context.notice})`, twiml));
    }
  expect(problems).toEqual([]);
  // Not a vacuous walk: documents that listen for speech were checked where speech is on.
  expect(gathers).toBeGreaterThan(500);
  if (speaking.speech === undefined) expect(listening).toBe(0);
  else expect(listening).toBeGreaterThan(500);
});

test('every prompt on every path the listening-time report walks keeps the rule', () => {
  const renderer = new PromptRenderer(options(true));
  const problems: string[] = [];
  const paths = walkFlow(flow, { ...SPEAKING, speech: DEFAULT_SPEECH, textMessages: true });
  for (const path of paths) for (const heard of path.heard) problems.push(...problemsOf(heard.state, renderer.render(heard.prompt, 1)));
  expect(paths.length).toBeGreaterThan(10);
  expect(problems).toEqual([]);
});

test('the rescue path, the whisper and the last resort keep the rule', () => {
  const problems: string[] = [];
  const sid = 'CA00000000000000000000000000000009';
  for (const closed of [undefined, { opens: 'tomorrow at 8 a.m.' }]) {
    const rescue = new Rescue(flow, options(true), () => closed);
    problems.push(...problemsOf('rescue transfer', rescue.transfer(sid, 'technicalProblem')));
    problems.push(...problemsOf('rescue ended', rescue.ended()));
    for (const status of ['busy', 'no-answer', 'failed', 'completed'] as const)
      for (const tries of [0, 1, 2]) problems.push(...problemsOf(`rescue dialed ${status}`, rescue.dialed(sid, status, tries)));
    const answers: CallEvent[] = [
      { type: 'KEY', key: '1' },
      { type: 'KEY', key: '2' },
      { type: 'KEY', key: '5' },
      { type: 'SILENCE' },
      { type: 'SPEECH', text: 'try again', confidence: 0.2 },
      { type: 'SPEECH', text: 'hello', confidence: 0.9 },
    ];
    for (const s of ['f', 'u'] as const)
      for (const event of answers)
        problems.push(...problemsOf(`rescue choice ${s}`, rescue.choice(sid, event, { s, n: 0, d: 1, p: 'busy' }).twiml));
  }
  problems.push(...problemsOf('whisper', whisperTwiml('Reference 1 2 3.', options(true))));
  problems.push(...problemsOf('last resort', lastResortTwiml(SPEAKING.bsdNumber, '1, 8 0 0')));
  expect(problems).toEqual([]);
});
