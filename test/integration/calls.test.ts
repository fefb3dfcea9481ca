import { referenceFor } from '../../src/engine/step';
import { formatTranscript } from '../../src/simulator/caller';
import { heard, startLine, type StoreKind, type TestLine } from '../helpers/line';

/** Every branch of the troubleshooting text, placed as whole calls through the express app, on both stores. */
describe.each<StoreKind>(['redis', 'memory'])('calls on the %s store', (kind) => {
  let line: TestLine;
  beforeEach(async () => {
    line = await startLine(kind);
  });
  afterEach(async () => {
    await line.close();
  });

  /** What the caller told the line, as the call's summary keeps it for the desk. */
  const told = async (result: Awaited<ReturnType<TestLine['call']>>): Promise<string[]> => {
    const stored = await line.store.load(result.callSid);
    if (stored === null || !('ended' in stored) || stored.summary === null) throw new Error('expected an ended call with a summary');
    return stored.summary.history;
  };

  const expectClean = async (result: Awaited<ReturnType<TestLine['call']>>) => {
    expect(result.errors).toEqual([]);
    // The status callback ended the call's session.
    expect(await line.store.load(result.callSid)).toMatchObject({ ended: true });
  };

  test('greeting and main menu', async () => {
    const result = await line.call('hangup');
    expect(heard(result)).toBe(
      'Customer Portal login help. Press or say your answer anytime. Which login problem? Username, press 1. Password, press 2. Multi-factor authentication, or a missing passcode, press 3. Black screen or freezing, press 4. At any time, press 0 for the desk, star to repeat, 9 for the main menu.',
    );
    expect(result.ending).toBe('caller hung up');
    await expectClean(result);
  });

  test('username, yes: transfer to log a ticket, with a whisper', async () => {
    const result = await line.call('1,1,answer');
    expect(heard(result)).toContain(
      "Your username is the email address you used to set up your Customer Portal account. Did you enter that email address? If yes, press 1. If no, press 2. If you're not sure, press 3.",
    );
    expect(heard(result)).toContain('Physician Registry and Support emails can differ');
    expect(heard(result)).toContain('The Business Support Desk will log a ticket for you');
    expect(heard(result, 'agent hears')).toContain('Username: entered the set-up email and still cannot log in. Log a ticket.');
    expect(await told(result)).toEqual(['Problem: username (pressed 1)', 'Entered the email address used at set-up: yes (pressed 1)']);
    expect(result.ending).toBe('line hung up');
    await expectClean(result);
  });

  test('username, no: re-enter the set-up email, with the PRSS note; solved ends with a goodbye', async () => {
    const result = await line.call('1,2,1');
    const said = heard(result);
    expect(said).toContain('Re-enter the email address you used at set-up.');
    expect(said).toContain(
      'Note: your Customer Portal and Physician Registry and Support emails can differ. To use one for both, tell the registry when you update your information.',
    );
    expect(said).toContain('If that solved it, press 1. To hear the steps again, press 2.');
    expect(said).toMatch(/I'm glad that helped\..*Goodbye\.$/);
    expect(result.ending).toBe('line hung up');
    await expectClean(result);
  });

  test('username, unsure: transfer for user verification', async () => {
    const result = await line.call('1,3,answer');
    expect(heard(result)).toContain('Physician Registry and Support emails can differ');
    expect(heard(result)).toContain('verify your account');
    expect(heard(result, 'agent hears')).toContain('Log a ticket for user verification.');
    expect(await told(result)).toEqual(['Problem: username (pressed 1)', 'Entered the email address used at set-up: not sure (pressed 3)']);
  });

  test('password: the self-service reset, heard again, then main menu', async () => {
    const result = await line.call('2,2,9,hangup');
    const said = heard(result);
    expect(said).toContain(
      'If you\'ve forgotten or mistyped your password, reset it yourself: on the login screen, click "Don\'t remember my password?", and follow the prompts. A reset link will be sent to you by email.',
    );
    expect(said.match(/reset it yourself/g)).toHaveLength(2);
    expect(said).toMatch(/Which login problem\?[^\n]*$/);
  });

  test('MFA: when it starts and where the passcode goes, then reinstall the app', async () => {
    const result = await line.call('3,1,1');
    const said = heard(result);
    expect(said).toContain(
      'A passcode is sent when you log in from a new device, to the authenticator app or by text to the mobile number you chose at set-up.',
    );
    expect(said).toContain(
      'Reinstall the app on your mobile device, and request another one-time passcode. Then follow the prompts on the screen to finish logging in.',
    );
    expect(result.ending).toBe('line hung up');
  });

  test('MFA: changed mobile device: transfer for an MFA reset', async () => {
    const result = await line.call('3,2,1,answer');
    expect(heard(result)).toContain('Have you changed your mobile device?');
    expect(heard(result, 'agent hears')).toContain('Request an M F A reset.');
  });

  test("MFA: someone else's credentials: get the passcode from them; unavailable: transfer for an MFA reset", async () => {
    const solved = await line.call('3,2,2,1,1');
    expect(heard(solved)).toContain("Are you using someone else's username and password?");
    expect(heard(solved)).toContain('The passcode was sent to their mobile device. Try getting it from them, and finish logging in.');
    expect(heard(solved)).toContain("If they're not available, press 3.");
    expect(solved.ending).toBe('line hung up');

    const unavailable = await line.call('3,2,2,1,3,answer');
    expect(heard(unavailable, 'agent hears')).toContain("someone else's login, owner unavailable. Request an M F A reset.");
    expect((await told(unavailable)).at(-1)).toBe(
      "Tried to get the passcode from the credentials' owner; they are not available (pressed 3)",
    );
  });

  test('MFA: none of the causes apply: transfer with what was ruled out', async () => {
    const result = await line.call('3,2,2,2,answer');
    expect(heard(result, 'agent hears')).toContain('passcode not arriving; app installed, same device, own login.');
    expect(await told(result)).toEqual([
      'Problem: multi-factor authentication (pressed 3)',
      'Uninstalled the authenticator app: no (pressed 2)',
      'Changed mobile device: no (pressed 2)',
      "Using someone else's credentials: no (pressed 2)",
    ]);
  });

  test('black screen: restart, wait and refresh, IT support, then a ticket', async () => {
    const result = await line.call('4,3,3,3,answer');
    const said = heard(result);
    const order = [
      'Restart your computer',
      'Wait a few minutes, then refresh your browser.',
      'Check with your I T support',
      "Since it's not an internal issue",
    ].map((s) => said.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(heard(result, 'agent hears')).toContain("I T says it's not internal. Log a ticket.");
    expect((await told(result)).at(-1)).toBe('Checked with their I T support: not an internal issue (pressed 3)');
  });

  test('0 reaches the desk from a question, * repeats it', async () => {
    const result = await line.call('3,*,0,answer');
    expect(heard(result).match(/Have you uninstalled the authenticator app\?/g)).toHaveLength(2);
    expect(heard(result, 'agent hears')).toContain('The caller asked for the desk.');
    expect(await told(result)).toEqual(['Problem: multi-factor authentication (pressed 3)']);
  });

  test('0 at the main menu: the agent hears the reference and that the caller asked for the desk, within ten seconds', async () => {
    const result = await line.call('0,answer');
    const whisper = heard(result, 'agent hears');
    expect(whisper).toMatch(/^Portal login transfer, reference \d \d \d, \d \d \d\. The caller asked for the desk\.$/);
    expect(await told(result)).toEqual([]);
  });

  test('three failures at one question transfer the caller, never hang up', async () => {
    const result = await line.call('1,_,5,_,answer');
    const said = heard(result);
    expect(said).toContain(
      "Sorry, I didn't hear a key. Did you enter that email address? If yes, press 1. If no, press 2. If you're not sure, press 3. At any time, press 0 for the desk, star to repeat, 9 for the main menu.",
    );
    expect(said).toContain("Sorry, that key isn't a choice.");
    expect(said).toContain("The keys aren't working");
    expect(heard(result, 'agent hears')).toContain('could not use the keypad menu');
    expect(result.ending).toBe('line hung up');
  });

  test.each([
    ['busy', 'busy right now'],
    ['no-answer', 'nobody at the Business Support Desk answered'],
    ['failed', "couldn't connect you"],
  ])('desk %s: told, then try again and reach the desk', async (outcome, said) => {
    const result = await line.call(`1,1,${outcome},1,answer`);
    expect(heard(result)).toContain(said);
    expect(heard(result)).toContain('To try again, press 1. To end the call, press 2.');
    expect(heard(result, 'agent hears')).toContain('Log a ticket.');
    expect(result.ending).toBe('line hung up');
    await expectClean(result);
  });

  test('desk busy, end the call: the desk number and the reference, star repeats them, then goodbye', async () => {
    const result = await line.call('1,1,busy,2,*,_');
    const reference = referenceFor(result.callSid).split('');
    const ending = `Please call the Business Support Desk at 1, 8 0 0, 6 0 5, 2 9 6 5, and give them your reference number, ${reference.slice(0, 3).join(' ')}, ${reference.slice(3).join(' ')}. To hear this again, press star.`;
    expect(heard(result).split(ending)).toHaveLength(3);
    expect(heard(result)).toMatch(/Thank you for calling\. Goodbye\.$/);
    expect(result.ending).toBe('line hung up');
    await expectClean(result);
  });

  test('the desk never answers: two more tries, then the number and the reference, and the call ends', async () => {
    const result = await line.call('0,busy,1,no-answer,1,busy,_');
    expect(result.transcript.filter((l) => l.who === 'transfer')).toHaveLength(3);
    expect(heard(result)).toContain('Please call the Business Support Desk at 1, 8 0 0, 6 0 5, 2 9 6 5');
    expect(heard(result)).toMatch(/Goodbye\.$/);
    expect(result.ending).toBe('line hung up');
    await expectClean(result);
  });

  test('waiting at self-service steps, then solved', async () => {
    const result = await line.call('4,_,_,1');
    expect(heard(result)).toContain("I'm still here. For the desk, press 0. If that solved it, press 1.");
    expect(result.transcript.filter((l) => l.who === 'caller')[1]!.text).toBe('presses nothing for 120 seconds');
    expect(result.ending).toBe('line hung up');
  });

  test('the transcript of a whole call reads as a conversation', async () => {
    const result = await line.call('2,1');
    expect(
      formatTranscript(result.transcript)
        .split('\n')
        .map((l) => l.slice(0, 11).trim()),
    ).toEqual(['LINE', 'CALLER', 'LINE', 'CALLER', 'LINE', 'CALL']);
  });
});
