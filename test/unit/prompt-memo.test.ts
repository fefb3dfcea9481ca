import { startingContext, type CallContext } from '../../src/engine/call-machine';
import { composePrompt, promptFor } from '../../src/engine/prompt';
import { referenceFor } from '../../src/engine/step';
import { SYSTEM } from '../../src/engine/compile';
import { portalLogin, SPEAKING } from '../helpers/flows';

const flow = portalLogin();
const states = [...Object.keys(flow.flow.nodes), ...Object.values(SYSTEM)];
const notices: CallContext['notice'][] = [null, 'greeting', 'noInput', 'invalidKey', 'waiting', 'flowChanged', 'dialEnded'];
const answers: CallContext['answered'][] = [null, 'username', 'main-menu'];
const problems: CallContext['dialProblem'][] = [null, 'busy', 'noAnswer', 'failed'];

const context = (
  reference: string,
  notice: CallContext['notice'],
  dialProblem: CallContext['dialProblem'],
  answered: CallContext['answered'] = null,
): CallContext => ({ ...startingContext(reference), notice, history: ['Problem: password'], dialProblem, answered });

test('a kept prompt is the prompt composed afresh, for every state, notice, dial problem, answered question and reference', () => {
  const references = ['000000', ...['CA1', 'CA2', 'CA3'].map(referenceFor)];
  let compared = 0;
  // Twice over, so that the second pass is answered from what the first kept.
  for (let pass = 0; pass < 2; pass++)
    for (const state of states)
      for (const notice of notices)
        for (const problem of problems)
          for (const answered of answers)
            for (const reference of references) {
              const c = context(reference, notice, problem, answered);
              expect(promptFor(flow, state, c, SPEAKING)).toEqual(composePrompt(flow, state, c, SPEAKING));
              compared++;
            }
  expect(compared).toBe(2 * states.length * notices.length * problems.length * answers.length * references.length);
});

test('a prompt that speaks the reference speaks each call its own', () => {
  const [a, b] = ['CA1', 'CA2'].map(referenceFor);
  const say = (reference: string) => promptFor(flow, SYSTEM.deskUnavailable, context(reference, null, 'busy'), SPEAKING).say.join(' ');
  say(a!);
  expect(say(b!)).not.toBe(say(a!));
  expect(say(b!)).toBe(composePrompt(flow, SYSTEM.deskUnavailable, context(b!, null, 'busy'), SPEAKING).say.join(' '));
});

test('kept prompts are frozen: no call can change another call’s words', () => {
  const c = context('123456', null, null);
  promptFor(flow, flow.flow.start, c, SPEAKING);
  const kept = promptFor(flow, flow.flow.start, c, SPEAKING);
  expect(Object.isFrozen(kept)).toBe(true);
  expect(Object.isFrozen(kept.say)).toBe(true);
});
