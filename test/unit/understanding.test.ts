import { Understanding, saidKey } from '../../src/engine/understanding/understanding';
import { exampleProblems, interpret, verdictOf, UNDERSTANDING } from '../../src/engine/understanding/speech';
import { startingContext, type CallContext } from '../../src/engine/call-machine';
import { flowFile, type FlowFile } from '../../src/flows/schema';
import { portalLogin } from '../helpers/flows';

const { flow } = portalLogin();
const context = (confirming: CallContext['confirming'] = null): CallContext => ({ ...startingContext('123456'), confirming });
const settings = { confidenceThreshold: 0.5 };
/** What the line does with `text` said at `state`: the key acted on, "confirm K" or "again". */
function heard(state: string, text: string, at = context()): string {
  const { event } = interpret(flow, state, at, { type: 'SPEECH', text, confidence: 0.9 }, settings);
  if (event.type === 'KEY') return event.key;
  if (event.type === 'CONFIRM') return `confirm ${event.key}`;
  if (event.type === 'REFUSE') return 'refused';
  return 'again';
}

describe('what callers say, as the issue heard them, is understood or confirmed, never sent the wrong way', () => {
  test.each([
    ['username', 'I have no idea.', '3'],
    ['username', "I'm not really sure which email I used.", '3'],
    ['mfa-get-code-from-owner', "They're not available.", '3'],
    ['mfa-get-code-from-owner', "She's on vacation.", '3'],
    ['black-screen-it-support', "It's not an internal issue.", '3'],
    ['main-menu', 'Can I speak to someone?', '0'],
    ['username', 'Let me talk to somebody.', '0'],
    ['password', 'OK, it works now.', '1'],
    ['black-screen-restart', "No, it's still black.", '3'],
    ['mfa-changed-device', 'Same phone.', '2'],
    ['mfa-changed-device', 'I lost my phone.', '1'],
    ['mfa-uninstalled-app', 'Uh-huh.', '1'],
    ['mfa-uninstalled-app', 'Mm-hmm.', '1'],
    ['mfa-uninstalled-app', 'Nah.', '2'],
    ['main-menu', 'Pass word.', '2'],
    ['main-menu', 'Black scream.', '4'],
    ['_dial_failed', "Never mind, I'll call back later.", '2'],
  ])('at %s, %j -> %s', (state, text, key) => {
    expect([key, `confirm ${key}`]).toContain(heard(state, text));
  });

  test('"I have no idea" at the username question is never a yes', () => {
    for (const text of ['I have no idea.', 'I have no idea', 'Honestly I have no idea.']) expect(heard('username', text)).not.toMatch(/1$/);
  });
});

describe('never a guess', () => {
  test('an answer that means nothing here is asked again', () => {
    for (const text of ['Is the cafeteria open on Sundays?', 'Hold on, my pager is going off.', 'Um.', 'The weather is lovely.'])
      expect(heard('main-menu', text)).toBe('again');
  });
  test('below the recogniser confidence threshold a clear answer is confirmed first', () => {
    const { event } = interpret(flow, 'main-menu', context(), { type: 'SPEECH', text: 'password', confidence: 0.3 }, settings);
    expect(event).toEqual({ type: 'CONFIRM', key: '2', confidence: 0.3 });
  });
  test('two choices that come close are confirmed, not acted on', () => {
    const understanding = new Understanding(
      [
        { key: '1', phrases: ['reset my password', 'password'] },
        { key: '2', phrases: ['reset my username', 'username'] },
      ],
      ['the weather'],
    );
    const read = understanding.read('reset my password and username');
    expect(verdictOf(read).kind).not.toBe('act');
  });
  test('a confirmation is not taken on a guess: an unclear answer to "did you say" is asked again', () => {
    expect(heard('main-menu', 'Mm, maybe, hard to tell.', context({ key: '2', confidence: 0.3 }))).toBe('again');
  });
  test('an answer led by a choice is that choice, unless the rest says otherwise', () => {
    const at = context({ key: '2', confidence: 0.3 });
    expect(heard('main-menu', 'No, I said username.', at)).toBe('refused');
    expect(heard('main-menu', 'Yes, pass word.', at)).toBe('2');
  });
  test('the thresholds are the ones documented', () => {
    expect(UNDERSTANDING.act).toBeGreaterThanOrEqual(UNDERSTANDING.confirm);
    expect(UNDERSTANDING.like).toBeGreaterThanOrEqual(UNDERSTANDING.likeToConfirm);
  });
});

describe('a key said rather than pressed', () => {
  test.each([
    ['Two.', '2'],
    ['press 3', '3'],
    ['Option one.', '1'],
    ['number four', '4'],
    ['star', '*'],
    ['zero', '0'],
    ['um, two', '2'],
    ['two things', undefined],
    ['I pressed two', undefined],
  ])('%j -> %s', (text, key) => {
    expect(saidKey(text)).toBe(key);
  });
  test('is taken only where the key is a choice', () => {
    expect(heard('mfa-changed-device', 'Two.')).toBe('2');
    expect(heard('mfa-changed-device', 'Four.')).toBe('again');
  });
});

describe('flows:check: an example the line would take for another choice', () => {
  test('is reported with its choice, the other choice and where', () => {
    const raw = structuredClone(flow) as FlowFile;
    raw.speech!.examples.yes = [...(raw.speech!.examples.yes ?? []), 'no I did not'];
    const edited = flowFile.parse(raw);
    const problems = exampleProblems(edited);
    expect(problems).toContainEqual(
      expect.objectContaining({
        field: 'speech.examples.yes',
        message: expect.stringMatching(/'no I did not' of 'yes' \(key 1\) would be taken for 'no' \(key 2\) at node 'username'/),
      }),
    );
  });
  test('the flow as shipped has none', () => {
    expect(exampleProblems(flow)).toEqual([]);
  });
});
