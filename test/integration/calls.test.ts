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

  const expectClean = async (result: Awaited<ReturnType<TestLine['call']>>) => {
    expect(result.errors).toEqual([]);
    // The status callback ended the call's session.
    expect(await line.store.load(result.callSid)).toMatchObject({ ended: true });
  };

  test('greeting and main menu', async () => {
    const result = await line.call('hangup');
    expect(heard(result)).toMatch(
      /^Thank you for calling the Customer Portal login help line for medical services claims\. Which problem .*For your username, press 1\. For your password, press 2\. For multi-factor authentication, or a one-time passcode that did not arrive, press 3\. For a black screen, or a portal that freezes, press 4\. To speak with the Business Support Desk, press 0\./,
    );
    expect(result.ending).toBe('caller hung up');
    await expectClean(result);
  });

  test('username, yes: transfer to log a ticket, with a whisper', async () => {
    const result = await line.call('1,1,answer');
    expect(heard(result)).toContain(
      "Did you enter the email address you used when you set up your account? If yes, press 1. If no, press 2. If you're not sure, press 3.",
    );
    expect(heard(result)).toContain('the Business Support Desk will log a ticket for you');
    expect(heard(result, 'agent hears')).toContain('Please log a ticket.');
    expect(heard(result, 'agent hears')).toContain('Entered the email address used at account set-up: yes.');
    expect(result.ending).toBe('line hung up');
    await expectClean(result);
  });

  test('username, no: re-enter the set-up email, with the PRSS note; solved ends with a goodbye', async () => {
    const result = await line.call('1,2,1');
    const said = heard(result);
    expect(said).toContain('Please re-enter the email address you used when you first set up your Customer Portal account.');
    expect(said).toContain(
      "can be different. If you'd like to use the same email address for both, tell P R S S when you update your information.",
    );
    expect(said).toContain('If that solved your problem, press 1. To hear these steps again, press 2.');
    expect(said).toMatch(/I'm glad that helped\..*Goodbye\.$/);
    expect(result.ending).toBe('line hung up');
    await expectClean(result);
  });

  test('username, unsure: transfer for user verification', async () => {
    const result = await line.call('1,3,answer');
    expect(heard(result)).toContain('verify your user account');
    expect(heard(result, 'agent hears')).toContain('Please log a ticket for user verification.');
    expect(heard(result, 'agent hears')).toContain('Entered the email address used at account set-up: not sure.');
  });

  test('password: the self-service reset, heard again, then main menu', async () => {
    const result = await line.call('2,2,9,hangup');
    const said = heard(result);
    expect(said).toContain(
      'On the Customer Portal login screen, click "Don\'t remember my password?". Then follow the prompts, and a password reset link will be sent to you by email.',
    );
    expect(said.match(/reset it yourself/g)).toHaveLength(2);
    expect(said).toMatch(/Which problem are you having[^\n]*$/);
  });

  test('MFA: when it starts and where the passcode goes, then reinstall the app', async () => {
    const result = await line.call('3,1,1');
    const said = heard(result);
    expect(said).toContain('It usually starts only when you log in from a new device, such as a different laptop or desktop computer.');
    expect(said).toContain(
      'a one-time passcode is sent to the authentication app, or by text message to the mobile phone number, that you chose at set-up.',
    );
    expect(said).toContain(
      'Reinstall the authenticator app on your mobile device, and request another one-time passcode. Then follow the prompts on the screen to finish logging in.',
    );
    expect(result.ending).toBe('line hung up');
  });

  test('MFA: changed mobile device: transfer for an MFA reset', async () => {
    const result = await line.call('3,2,1,answer');
    expect(heard(result)).toContain('Have you changed your mobile device?');
    expect(heard(result, 'agent hears')).toContain('Please request an MFA reset.');
  });

  test("MFA: someone else's credentials: get the passcode from them; unavailable: transfer for an MFA reset", async () => {
    const solved = await line.call('3,2,2,1,1');
    expect(heard(solved)).toContain("Are you using someone else's username and password?");
    expect(heard(solved)).toContain("The one-time passcode was sent to that person's mobile device. Try getting the passcode from them");
    expect(heard(solved)).toContain('If they are not available, press 3.');
    expect(solved.ending).toBe('line hung up');

    const unavailable = await line.call('3,2,2,1,3,answer');
    expect(heard(unavailable, 'agent hears')).toContain("Tried to get the passcode from the credentials' owner; they are not available.");
    expect(heard(unavailable, 'agent hears')).toContain('Please request an MFA reset.');
  });

  test('MFA: none of the causes apply: transfer with what was ruled out', async () => {
    const result = await line.call('3,2,2,2,answer');
    expect(heard(result, 'agent hears')).toContain(
      "Uninstalled the authenticator app: no. Changed mobile device: no. Using someone else's credentials: no.",
    );
  });

  test('black screen: restart, wait and refresh, IT support, then a ticket', async () => {
    const result = await line.call('4,3,3,3,answer');
    const said = heard(result);
    const order = [
      'restart your computer',
      'Wait a few minutes, then refresh your browser.',
      'Check with your I T support',
      "Since it's not an internal issue",
    ].map((s) => said.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(heard(result, 'agent hears')).toContain('Checked with their I T support: not an internal issue.');
  });

  test('0 reaches the desk from a question, * repeats it', async () => {
    const result = await line.call('3,*,0,answer');
    expect(heard(result).match(/Have you uninstalled the authenticator app\?/g)).toHaveLength(2);
    expect(heard(result, 'agent hears')).toContain('The caller pressed 0 to speak with the desk.');
    expect(heard(result, 'agent hears')).toContain('Problem: multi-factor authentication.');
  });

  test('0 at the main menu: the agent hears the caller went straight to the desk', async () => {
    const result = await line.call('0,answer');
    expect(heard(result, 'agent hears')).toContain('The caller went straight to the desk from the main menu.');
  });

  test('three failures at one question transfer the caller, never hang up', async () => {
    const result = await line.call('1,_,5,_,answer');
    const said = heard(result);
    expect(said).toContain(
      "Sorry, I didn't hear a key. Did you enter the email address you used when you set up your account? If yes, press 1. If no, press 2. If you're not sure, press 3.",
    );
    expect(said).toContain('Sorry, that key is not one of the choices.');
    expect(said).toContain("I'm having trouble understanding the keys you pressed");
    expect(heard(result, 'agent hears')).toContain('could not get through the phone menu');
    expect(result.ending).toBe('line hung up');
  });

  test.each([
    ['busy', 'busy right now'],
    ['no-answer', 'nobody at the Business Support Desk answered'],
    ['failed', "couldn't connect you"],
  ])('desk %s: told, then try again and reach the desk', async (outcome, said) => {
    const result = await line.call(`1,1,${outcome},1,answer`);
    expect(heard(result)).toContain(said);
    expect(heard(result)).toContain(`give them reference ${referenceFor(result.callSid).slice(0, 3).split('').join(' ')}`);
    expect(heard(result, 'agent hears')).toContain('Please log a ticket.');
    expect(result.ending).toBe('line hung up');
    await expectClean(result);
  });

  test('desk busy, end the call: goodbye with the desk number', async () => {
    const result = await line.call('1,1,busy,2');
    expect(heard(result)).toMatch(/call the Business Support Desk at 1, 8 0 0, 6 0 5, 2 9 6 5\. Goodbye\.$/);
    expect(result.ending).toBe('line hung up');
  });

  test('waiting at self-service steps, then solved', async () => {
    const result = await line.call('4,_,_,1');
    expect(heard(result)).toContain("Take your time, I'll wait. If that solved your problem, press 1.");
    expect(result.transcript.filter((l) => l.who === 'caller')[1]!.text).toBe('presses nothing for 30 seconds');
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
