import { initialTransition, transition } from 'xstate';
import { MAX_PATH, type CallEvent } from '../../src/engine/call-machine';
import { pureTransition } from '../../src/engine/pure-transition';
import { advance, referenceFor, replay, startCall, type SavedCall, type Turn } from '../../src/engine/step';
import { SYSTEM } from '../../src/engine/compile';
import { portalLogin, SPEAKING } from '../helpers/flows';

const flow = portalLogin();
const CALL = `CA${'1'.repeat(32)}`;
const key = (k: string): CallEvent => ({ type: 'KEY', key: k });
const silence: CallEvent = { type: 'SILENCE' };

/** A turn as the store keeps it. */
const saved = (turn: Turn): SavedCall => ({ flowVersion: flow.version, nodeVersion: turn.nodeVersion, call: turn.call });

/** Runs events from the start and returns every turn. */
function run(...events: CallEvent[]): Turn[] {
  const turns = [startCall(flow, CALL, SPEAKING)];
  for (const event of events) {
    // Each turn goes through JSON, as it does through the store.
    const stored = JSON.parse(JSON.stringify(saved(turns.at(-1)!))) as SavedCall;
    turns.push(advance(flow, stored, event, SPEAKING));
  }
  return turns;
}
const last = (...events: CallEvent[]) => run(...events).at(-1)!;

test('a call starts at the main menu with the greeting, and a reference from its CallSid', () => {
  const first = startCall(flow, CALL, SPEAKING);
  expect(first.call.value).toBe('main-menu');
  expect(first.call.context.reference).toBe(referenceFor(CALL));
  expect(first.call.context.reference).toMatch(/^\d{6}$/);
  expect(first.prompt.kind).toBe('ask');
  expect(first.prompt.say[0]).toBe('Customer Portal login help. Press a key at any time.');
});

describe('the keys that work everywhere are said once, after the main menu, and in every reprompt', () => {
  const GLOBALS = 'At any time, press 0 for the desk, star to repeat, 9 for the main menu.';
  const said = (turn: Turn) => turn.prompt.say.join(' ');

  test('after the main menu, on the first hearing and on a repeat', () => {
    expect(startCall(flow, CALL, SPEAKING).prompt.say.at(-1)).toBe(GLOBALS);
    expect(last(key('*')).prompt.say.at(-1)).toBe(GLOBALS);
  });

  test.each([
    ['a question', [key('1')]],
    ['a self-service step', [key('4')]],
    ['a question deeper in', [key('3'), key('2')]],
    ['the desk did not answer', [key('0'), { type: 'DIAL', outcome: 'busy' } as CallEvent]],
  ])('not in %s', (_, events) => {
    const turn = last(...events);
    expect(turn.prompt.kind).toBe('ask');
    expect(said(turn)).not.toContain('press 0');
    expect(said(turn)).not.toMatch(/\bstar\b/);
    expect(said(turn)).not.toContain('9 for the main menu');
  });

  test.each([
    ['no key at a question', [key('1'), silence]],
    ['a wrong key at a question', [key('1'), key('7')]],
    ['a wrong key at a step', [key('4'), key('7')]],
    ['no key at the main menu', [silence]],
    ['no key when the desk did not answer', [key('0'), { type: 'DIAL', outcome: 'busy' } as CallEvent, silence]],
  ])('again after %s', (_, events) => {
    expect(last(...events).prompt.say.at(-1)).toBe(GLOBALS);
  });
});

describe('the Physician Registry and Support note', () => {
  test.each([
    ['yes', '1', 'username-ticket'],
    ['no', '2', 'username-reenter'],
    ['not sure', '3', 'username-verification'],
  ])('is heard after answering %s at the username question', (_, answer, next) => {
    const turn = last(key('1'), key(answer));
    expect(turn.call.value).toBe(next);
    expect(turn.prompt.say[0]).toMatch(/^Note: your Customer Portal and Physician Registry and Support emails can differ\./);
    expect(turn.prompt.say[0]).toContain('tell the registry when you update your information');
  });

  test('once: not again when the step is repeated, nor in a reprompt', () => {
    expect(last(key('1'), key('2'), key('2')).prompt.say.join(' ')).not.toContain('Physician Registry');
    expect(last(key('1'), key('2'), key('7')).prompt.say.join(' ')).not.toContain('Physician Registry');
  });

  test('not by a caller who leaves the question another way', () => {
    expect(last(key('1'), key('0')).prompt.say.join(' ')).not.toContain('Physician Registry');
    expect(last(key('1'), key('9')).prompt.say.join(' ')).not.toContain('Physician Registry');
  });
});

test('the multi-factor question is asked in the first prompt of its branch, after what the caller needs to answer it', () => {
  const turn = last(key('3'));
  const said = turn.prompt.say.join(' ');
  expect(said).toContain('Have you uninstalled the authenticator app? If yes, press 1. If no, press 2.');
  expect(said.split(/\s+/).length).toBeLessThan(50);
});

test('the snapshot survives a JSON round trip and steps the same afterwards', () => {
  const turns = run(key('3'), key('2'));
  const direct = advance(flow, saved(turns[2]!), key('1'), SPEAKING);
  const viaJson = advance(flow, JSON.parse(JSON.stringify(saved(turns[2]!))) as SavedCall, key('1'), SPEAKING);
  expect(viaJson).toEqual(direct);
  expect(direct.call.value).toBe('mfa-reset-new-device');
});

test('a call kept in memory between turns steps exactly as the same call read back from the store', () => {
  // A seeded walk over every kind of event, long enough to reach transfers, dial outcomes and the end.
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const events: CallEvent[] = [
    ...['0', '1', '2', '3', '4', '7', '9', '*', '#'].map(key),
    silence,
    { type: 'DIAL', outcome: 'connected' },
    { type: 'DIAL', outcome: 'busy' },
    { type: 'DIAL', outcome: 'noAnswer' },
    { type: 'DIAL', outcome: 'failed' },
  ];
  for (let walk = 0; walk < 40; walk++) {
    let kept = startCall(flow, CALL, SPEAKING);
    let stored = kept;
    for (let step = 0; step < 25 && !kept.done; step++) {
      const event = events[Math.floor(random() * events.length)]!;
      kept = advance(flow, saved(kept), event, SPEAKING);
      stored = advance(flow, JSON.parse(JSON.stringify(saved(stored))) as SavedCall, event, SPEAKING);
      expect(kept).toEqual(stored);
    }
  }
});

test.each([
  [['1', '1'], 'username-ticket'],
  [['1', '2'], 'username-reenter'],
  [['1', '3'], 'username-verification'],
  [['2'], 'password'],
  [['3', '1'], 'mfa-reinstall'],
  [['3', '2', '1'], 'mfa-reset-new-device'],
  [['3', '2', '2', '1'], 'mfa-get-code-from-owner'],
  [['3', '2', '2', '1', '3'], 'mfa-reset-owner-unavailable'],
  [['3', '2', '2', '2'], 'mfa-none-apply'],
  [['4'], 'black-screen-restart'],
  [['4', '3', '3', '3'], 'black-screen-ticket'],
  [['2', '1'], 'goodbye'],
])('keys %j lead to %s', (keys, state) => {
  expect(last(...keys.map(key)).call.value).toBe(state);
});

test("the engine's transition gives the same snapshots as xstate's transition() on every path", () => {
  const paths = [
    ['1', '1'],
    ['1', '2', '2', '1'],
    ['1', '3'],
    ['2', '1'],
    ['3', '1', '3'],
    ['3', '2', '2', '1', '3'],
    ['4', '3', '3', '3'],
    ['0'],
    ['7', '7', '7'],
    ['4', '_', '_', '_', '_', '_', '_'],
    ['9', '*', '#'],
  ];
  for (const keys of paths) {
    let snapshot = initialTransition(flow.machine, { reference: '123456' })[0];
    for (const k of [...keys, 'busy', 'k1', 'answered']) {
      const event: CallEvent =
        k === '_'
          ? silence
          : k === 'busy'
            ? { type: 'DIAL', outcome: 'busy' }
            : k === 'answered'
              ? { type: 'DIAL', outcome: 'connected' }
              : key(k === 'k1' ? '1' : k);
      const [expected] = transition(flow.machine, snapshot, event);
      const actual = pureTransition(flow.machine, snapshot, event);
      expect({ value: actual.value, context: actual.context, status: actual.status }).toEqual({
        value: expected.value,
        context: expected.context,
        status: expected.status,
      });
      snapshot = expected;
    }
  }
});

test('answers are recorded for the agent', () => {
  const turn = last(key('4'), key('3'), key('3'), key('3'));
  expect(turn.call.context.history).toEqual([
    'Problem: black screen or freezing (pressed 4)',
    'Restarted the computer and tried again: the problem persists (pressed 3)',
    'Waited a few minutes and refreshed the browser: still unable to log in (pressed 3)',
    'Checked with their I T support: not an internal issue (pressed 3)',
  ]);
  expect(turn.prompt.kind).toBe('transfer');
});

describe('the path the call takes is recorded as it goes, for the desk page', () => {
  const dial = (outcome: 'busy' | 'noAnswer' | 'connected'): CallEvent => ({ type: 'DIAL', outcome });

  test('each node left, in order, with the key that left it; not the node the call is at', () => {
    const turn = last(key('3'), key('2'), key('1'));
    expect(turn.call.value).toBe('mfa-reset-new-device');
    expect(turn.call.context.path).toEqual(['main-menu:3', 'mfa-uninstalled-app:2', 'mfa-changed-device:1']);
  });

  test('repeats, a wrong key, the main menu, 0: a wrong key or a silence that stays is no step; a repeat is', () => {
    const turn = last(key('*'), key('1'), key('7'), silence, key('9'), key('2'), key('2'), key('0'));
    expect(turn.call.value).toBe(SYSTEM.bsdRequest);
    expect(turn.call.context.path).toEqual(['main-menu:*', 'main-menu:1', 'username:9', 'main-menu:2', 'password:2', 'password:0']);
  });

  test('a node left by no key (the third silence), and the desk by how its dial ended', () => {
    const turn = last(key('1'), silence, silence, silence, dial('busy'), key('1'), dial('noAnswer'));
    expect(turn.call.context.path).toEqual([
      'main-menu:1',
      'username:timeout',
      `${SYSTEM.keypadTrouble}:busy`,
      `${SYSTEM.dialFailed}:1`,
      `${SYSTEM.redial}:noAnswer`,
    ]);
    expect(turn.call.value).toBe(SYSTEM.dialFailed);
    expect(last(key('0'), dial('connected')).call.context.path).toEqual(['main-menu:0', `${SYSTEM.bsdRequest}:connected`]);
  });

  test('digits that are no key are not kept; the path is bounded, the most recent steps kept', () => {
    expect(last(key('1'), key('12345678'), key('12345678'), key('12345678')).call.context.path).toEqual(['main-menu:1', 'username:key']);
    const wandering = last(...Array.from({ length: 40 }, () => key('*')), key('4'));
    expect(wandering.call.context.path).toHaveLength(MAX_PATH);
    expect(wandering.call.context.path.at(-1)).toBe('main-menu:4');
  });
});

test('0 reaches the desk from any question; * repeats; 9 goes to the main menu', () => {
  expect(last(key('3'), key('0')).call.value).toBe(SYSTEM.bsdRequest);
  const repeated = last(key('1'), key('*'));
  expect(repeated.call.value).toBe('username');
  expect(repeated.prompt.say[0]).toMatch(/^Your username is the email address/);
  expect(last(key('3'), key('2'), key('9')).call.value).toBe('main-menu');
});

test('at self-service steps 2 repeats them, 1 ends with a goodbye', () => {
  const again = last(key('2'), key('2'));
  expect(again.call.value).toBe('password');
  expect(again.prompt.say[0]).toMatch(/reset it yourself/);
  const solved = last(key('2'), key('1'));
  expect(solved.done).toBe(true);
  expect(solved.prompt).toMatchObject({ kind: 'end', node: 'goodbye' });
});

test('no key and a wrong key reprompt with the keys that work; the third failure transfers', () => {
  const turns = run(key('1'), silence, key('7'), silence);
  expect(turns[2]!.prompt.say[0]).toBe("Sorry, I didn't hear a key.");
  // The question again, without its preamble, then the keys that work.
  expect(turns[2]!.prompt.say[1]).toBe('Did you enter that email address?');
  expect(turns[2]!.prompt.say.join(' ')).toContain('If yes, press 1. If no, press 2.');
  expect(turns[3]!.prompt.say[0]).toBe("Sorry, that key isn't a choice.");
  expect(turns[3]!.call.context.failures).toBe(2);
  expect(turns[4]!.call.value).toBe(SYSTEM.keypadTrouble);
  expect(turns[4]!.prompt.kind).toBe('transfer');
});

test('a valid key resets the failure count', () => {
  const turn = last(silence, silence, key('1'), silence, silence);
  expect(turn.call.value).toBe('username');
  expect(turn.call.context.failures).toBe(2);
});

test('garbage digits are a wrong key, not a crash', () => {
  const turn = last(key('12#x'));
  expect(turn.call.value).toBe('main-menu');
  expect(turn.call.context.notice).toBe('invalidKey');
});

describe('the desk', () => {
  const toDesk = [key('1'), key('1')];
  test('answered: the call ends after the conversation', () => {
    const turn = last(...toDesk, { type: 'DIAL', outcome: 'connected' });
    expect(turn.prompt).toMatchObject({ kind: 'end', node: SYSTEM.afterDesk });
  });

  const busy: CallEvent = { type: 'DIAL', outcome: 'busy' };
  const reference = referenceFor(CALL).split('');
  const spokenReference = `${reference.slice(0, 3).join(' ')}, ${reference.slice(3).join(' ')}`;

  test.each([
    ['busy', /busy right now/],
    ['noAnswer', /nobody at the Business Support Desk answered/],
    ['failed', /couldn't connect you/],
  ] as const)('%s: the caller is told and can try again or end the call', (outcome, said) => {
    const failed = last(...toDesk, { type: 'DIAL', outcome });
    expect(failed.call.value).toBe(SYSTEM.dialFailed);
    expect(failed.prompt.say[0]).toMatch(said);
    expect(failed.prompt.say.join(' ')).toContain('To try again, press 1. To end the call, press 2.');
    const retried = advance(flow, saved(failed), key('1'), SPEAKING);
    expect(retried.prompt.kind).toBe('transfer');
    if (retried.prompt.kind === 'transfer') expect(retried.prompt.whisper).toContain('Log a ticket.');
    const ended = advance(flow, saved(failed), key('2'), SPEAKING);
    expect(ended.call.value).toBe(SYSTEM.deskUnavailable);
    expect(ended.prompt.say.join(' ')).toContain('1, 8 0 0, 6 0 5, 2 9 6 5');
    expect(ended.prompt.say.join(' ')).toContain(spokenReference);
  });

  test('at most two more tries: the third failed dial ends with the desk number and the reference', () => {
    const turns = run(...toDesk, busy, key('1'), busy, key('1'), busy);
    expect(turns.map((t) => t.call.value).slice(2)).toEqual([
      'username-ticket',
      SYSTEM.dialFailed,
      SYSTEM.redial,
      SYSTEM.dialFailed,
      SYSTEM.redial,
      SYSTEM.deskUnavailable,
    ]);
    const end = turns.at(-1)!;
    expect(end.prompt.say[0]).toMatch(/busy right now/);
    expect(end.prompt.say.join(' ')).toContain('1, 8 0 0, 6 0 5, 2 9 6 5');
    expect(end.prompt.say.join(' ')).toContain(spokenReference);
    // Silence there says goodbye and ends the call.
    const bye = advance(flow, saved(end), silence, SPEAKING);
    expect(bye.prompt).toMatchObject({ kind: 'end', node: SYSTEM.goodbye });
    expect(bye.done).toBe(true);
  });

  test('0 at "try again?" counts as a try: no more than three dials, whatever the caller presses', () => {
    const turns = run(...toDesk, busy, key('0'), busy, key('0'), busy, key('0'));
    expect(turns.filter((t) => t.prompt.kind === 'transfer')).toHaveLength(3);
    expect(turns.at(-1)!.done).toBe(true);
  });

  test('no key or a wrong key at "try again?" counts as a failure and ends with the number and the reference: never a redial', () => {
    const turns = run(...toDesk, busy, silence, key('5'), silence);
    expect(turns.slice(3).map((t) => t.prompt.kind)).toEqual(['ask', 'ask', 'ask', 'ask']);
    const end = turns.at(-1)!;
    expect(end.call.value).toBe(SYSTEM.deskUnavailable);
    expect(end.prompt.say.join(' ')).toContain(spokenReference);
    expect(advance(flow, saved(end), silence, SPEAKING).done).toBe(true);
  });

  test('before the call ends, star repeats the reference and the desk number; 9 goes back to the main menu', () => {
    const end = last(...toDesk, busy, key('2'));
    const again = advance(flow, saved(end), key('*'), SPEAKING);
    expect(again.call.value).toBe(SYSTEM.deskUnavailable);
    expect(again.prompt.say.join(' ')).toContain(spokenReference);
    expect(again.prompt.say.join(' ')).toContain('1, 8 0 0, 6 0 5, 2 9 6 5');
    expect(advance(flow, saved(end), key('9'), SPEAKING).call.value).toBe('main-menu');
    expect(advance(flow, saved(end), key('1'), SPEAKING).prompt).toMatchObject({ kind: 'end', node: SYSTEM.goodbye });
  });

  test('the whisper is the reason and the reference, within ten seconds; the answers stay with the call', () => {
    const turn = last(key('3'), key('2'), key('1'));
    expect(turn.prompt.kind).toBe('transfer');
    if (turn.prompt.kind !== 'transfer') return;
    expect(turn.prompt.whisper).toBe(
      `Portal login transfer, reference ${spokenReference}. M F A: changed mobile device. Request an M F A reset.`,
    );
    // 175 words a minute: ten seconds is 29 words.
    expect(turn.prompt.whisper.split(/\s+/).length).toBeLessThanOrEqual(29);
    expect(turn.call.context.history).toEqual([
      'Problem: multi-factor authentication (pressed 3)',
      'Uninstalled the authenticator app: no (pressed 2)',
      'Changed mobile device: yes (pressed 1)',
    ]);
    expect(turn.prompt.say.join(' ')).toContain('Your reference number is');
  });
});

test('replay says the current prompt again without changing the call', () => {
  // What the caller answered is the stepped turn's alone: a replay heard nothing.
  const { heard, stepped, ...turn } = last(key('1'));
  expect(heard).toEqual({ mode: 'key', option: '1' });
  expect(stepped).toEqual({ type: 'KEY', key: '1' });
  expect(replay(flow, saved(turn), SPEAKING)).toEqual(turn);
});

describe('a call saved on another version of its flow', () => {
  const atUsername = last(key('1'));

  test('goes on where it is when its node is the same in both versions', () => {
    const other: SavedCall = { ...saved(atUsername), flowVersion: 'older-version' };
    expect(advance(flow, other, key('2'), SPEAKING).call.value).toBe('username-reenter');
  });

  test('is led back to the main menu, keeping what it said, when its node changed', () => {
    const other: SavedCall = { ...saved(atUsername), flowVersion: 'older-version', nodeVersion: 'changed-node' };
    const next = advance(flow, other, key('1'), SPEAKING);
    expect(next.call.value).toBe('main-menu');
    expect(next.prompt.say[0]).toMatch(/phone menu was just updated/);
    expect(next.call.context.history).toEqual(['Problem: username (pressed 1)']);
    expect(next.call.context.path).toEqual(['main-menu:1']);
    expect(next.call.context.flowRestarted).toBe(true);
  });

  test('is led back when its node is gone', () => {
    const other: SavedCall = { ...saved(atUsername), flowVersion: 'older-version', call: { ...atUsername.call, value: 'username-old' } };
    expect(advance(flow, other, key('1'), SPEAKING).call.value).toBe('main-menu');
  });

  test('is led back at most once, so instances of two versions cannot bounce it', () => {
    const restarted = advance(
      flow,
      { ...saved(atUsername), flowVersion: 'older-version', nodeVersion: 'changed-node' },
      key('1'),
      SPEAKING,
    );
    const bounced: SavedCall = { flowVersion: 'older-version', nodeVersion: 'another-main-menu', call: restarted.call };
    expect(advance(flow, bounced, key('4'), SPEAKING).call.value).toBe('black-screen-restart');
  });
});

describe('self-service steps are patient', () => {
  test('silence is not a failure: the line waits longer and says it is waiting', () => {
    const turns = run(key('4'), silence, silence, silence);
    const waiting = turns.at(-1)!;
    expect(waiting.call.value).toBe('black-screen-restart');
    expect(waiting.call.context.failures).toBe(0);
    expect(waiting.prompt).toMatchObject({ kind: 'ask', patient: true });
    expect(waiting.prompt.say[0]).toBe("I'm still here. For the desk, press 0.");
  });

  test('after a long quiet the caller is transferred with a reason that fits', () => {
    const turn = last(key('4'), ...Array.from({ length: 5 }, () => silence));
    expect(turn.call.value).toBe(SYSTEM.quiet);
    if (turn.prompt.kind === 'transfer') expect(turn.prompt.whisper).toContain('went quiet during self-service steps');
    else throw new Error('expected a transfer');
  });

  test('each step says, after the steps, that the line waits, and waits as long as the step says', () => {
    const restart = last(key('4'));
    expect(restart.prompt.say[1]).toBe("No rush: I'll wait.");
    expect(restart.prompt).toMatchObject({ kind: 'ask', patient: true, waitSeconds: 120 });
    // "Wait a few minutes, then refresh": minutes of silence, and four of them before the desk.
    const refresh = last(key('4'), key('3'));
    expect(refresh.prompt).toMatchObject({ kind: 'ask', waitSeconds: 240 });
    expect(last(key('4'), key('3'), silence, silence, silence).call.value).toBe('black-screen-refresh');
    expect(last(key('4'), key('3'), silence, silence, silence, silence).call.value).toBe(SYSTEM.quiet);
  });

  test('a check-in during a step is short: it does not read the steps again', () => {
    const waiting = last(key('4'), silence);
    expect(waiting.prompt.say.join(' ')).toBe(
      "I'm still here. For the desk, press 0. If that solved it, press 1. To hear the steps again, press 2. If the problem persists, press 3.",
    );
  });

  test('wrong keys still count', () => {
    expect(last(key('4'), key('7'), key('7'), key('7')).call.value).toBe(SYSTEM.keypadTrouble);
  });

  test('instructions offer one way to repeat: 2, not also star', () => {
    const said = last(key('2')).prompt.say.join(' ');
    expect(said).toContain('To hear the steps again, press 2.');
    expect(said).not.toContain('star');
  });
});

test('a caller who wanders keeps only the latest notes for the desk', () => {
  const wander = Array.from({ length: 15 }, () => [key('3'), key('2'), key('2'), key('9')]).flat();
  const turn = last(...wander, key('0'));
  expect(turn.call.context.history.length).toBeLessThanOrEqual(12);
  if (turn.prompt.kind !== 'transfer') throw new Error('expected a transfer');
  expect(turn.prompt.whisper).toMatch(/^Portal login transfer, reference [\d ,]+\. The caller asked for the desk\.$/);
});
