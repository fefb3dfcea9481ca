import { SYSTEM } from '../../src/engine/compile';
import { advance, settle, startCall, type SavedCall } from '../../src/engine/step';
import { compileFlow } from '../../src/engine/compile';
import { parseFlowText } from '../../src/flows/load';
import { keysOf, measureFlow } from '../../src/timing/measure';
import { walkFlow, type WalkedPath } from '../../src/timing/walk';
import { readFileSync } from 'node:fs';
import { portalLogin, SPEAKING } from '../helpers/flows';

const compiled = portalLogin();
const { flow } = compiled;
const paths = walkFlow(compiled, SPEAKING);
const idsOf = (type: string) =>
  Object.entries(flow.nodes)
    .filter(([, n]) => n.type === type)
    .map(([id]) => id);
const keys = (p: WalkedPath) => keysOf(p.moves);

describe('every path of the portal-login flow, walked through the engine', () => {
  test('every transfer node is an outcome, reached hearing each prompt once', () => {
    const reached = new Set(paths.filter((p) => p.ending === 'transfer' && p.answeredOnce).map((p) => p.final));
    for (const id of idsOf('transfer')) expect({ id, reached: reached.has(id) }).toEqual({ id, reached: true });
  });

  test('every self-service step is reached, and pressing 1 there ends with the goodbye', () => {
    for (const id of idsOf('instructions')) {
      const solved = paths.find((p) => p.ending === 'end' && p.heard.at(-2)?.state === id);
      expect({ id, final: solved?.final, lastKey: solved?.moves.at(-1) }).toEqual({
        id,
        final: 'goodbye',
        lastKey: { kind: 'key', key: '1' },
      });
      expect(solved!.heard.at(-1)!.prompt.kind).toBe('end');
    }
    for (const id of idsOf('end')) expect(paths.some((p) => p.final === id)).toBe(true);
  });

  test("the line's own transfers: 0 at the main menu, keypad trouble after failures, went quiet at steps", () => {
    const desk = paths.find((p) => p.final === SYSTEM.bsdRequest);
    expect(keys(desk!)).toBe('0');
    expect(desk!.answeredOnce).toBe(true);
    expect(desk!.whisper).toContain(flow.system.bsdRequest.reason);
    const trouble = paths.filter((p) => p.final === SYSTEM.keypadTrouble);
    expect(trouble.map(keys)).toContain('_,_,_');
    expect(trouble.every((p) => !p.answeredOnce)).toBe(true);
    const quiet = paths.filter((p) => p.final === SYSTEM.quiet);
    expect(quiet.map((p) => p.heard.at(-2)!.state).sort()).toEqual(idsOf('instructions').sort());
  });

  test('the desk busy or not answering: the caller ends the call, tries again, or presses nothing, until the call ends', () => {
    for (const problem of ['busy', 'noAnswer'] as const) {
      const desk = paths.filter((p) => p.deskProblem === problem);
      const dial = problem === 'busy' ? 'busy' : 'no-answer';
      expect(desk.every((p) => keys(p).startsWith(`0,${dial},`))).toBe(true);
      // Ends the call at the first "try again?": an ending held to the budgets.
      const ended = desk.find((p) => p.ending === 'end' && p.answeredOnce);
      expect(keys(ended!)).toMatch(new RegExp(`^0,${dial},2(,|$)`));
      expect(ended!.heard.slice(0, 3).map((h) => h.state)).toEqual([flow.start, SYSTEM.bsdRequest, SYSTEM.dialFailed]);
      expect(ended!.heard.at(-1)!.prompt.kind).toBe('end');
      // Tries again, and presses nothing: each walked until the call ends, or until it would go round for ever.
      for (const first of ['1', '_']) {
        const way = desk.filter((p) => keys(p).startsWith(`0,${dial},${first}`));
        expect(way.length).toBeGreaterThan(0);
        for (const p of way) {
          expect(['end', 'loop']).toContain(p.ending);
          expect(p.answeredOnce).toBe(false);
          if (p.ending === 'loop') expect(p.heard.slice(0, -1).map((h) => h.state)).toContain(p.final);
        }
      }
    }
  });

  test('each path starts with the greeting and ends with its outcome’s own prompt', () => {
    for (const p of paths) {
      expect(p.heard[0]!.state).toBe(flow.start);
      expect(p.heard[0]!.prompt.say[0]).toBe(flow.greeting);
      if (p.ending === 'loop') continue;
      expect(p.heard.at(-1)!.state).toBe(p.final);
      expect(p.heard.at(-1)!.prompt.kind).toBe(p.ending);
    }
  });

  test('no two paths are the same, and none answered once goes round', () => {
    expect(new Set(paths.map(keys)).size).toBe(paths.length);
    for (const p of paths.filter((x) => x.answeredOnce)) expect(new Set(p.heard.map((h) => h.state)).size).toBe(p.heard.length);
  });

  test('star and 9, which the walk leaves out, lead nowhere new: star repeats, 9 goes to the main menu', () => {
    const asked = new Map<string, SavedCall>();
    // Every question on every path, replayed to it through the engine.
    for (const p of paths) {
      const speaking = p.deskClosed === true ? { ...SPEAKING, closed: { opens: 'tomorrow at 8 a.m.' } } : SPEAKING;
      let turn = startCall(compiled, 'CA00000000000000000000000000000000', speaking);
      for (const move of p.moves) {
        const saved: SavedCall = { flowVersion: compiled.version, nodeVersion: turn.nodeVersion, call: turn.call };
        if (turn.prompt.kind === 'ask' && !asked.has(turn.call.value)) asked.set(turn.call.value, saved);
        const event =
          move.kind === 'key'
            ? { type: 'KEY' as const, key: move.key }
            : move.kind === 'silence'
              ? { type: 'SILENCE' as const }
              : { type: 'DIAL' as const, outcome: move.outcome };
        turn = advance(compiled, saved, event, speaking);
        // A callback or a text message asked for: the line keeps or queues it in the same turn.
        if (turn.call.context.pending !== null) turn = settle(compiled, turn, 'queued', speaking);
      }
      // The keys shown are the keys walked: replayed, they reach the same state.
      expect({ keys: keys(p), final: turn.call.value }).toEqual({ keys: keys(p), final: p.final });
    }
    const questions = [...asked.keys()];
    expect(questions).toEqual(
      expect.arrayContaining([...idsOf('menu'), ...idsOf('question'), ...idsOf('instructions'), SYSTEM.dialFailed]),
    );
    for (const [state, saved] of asked) {
      expect({ state, star: advance(compiled, saved, { type: 'KEY', key: '*' }, SPEAKING).call.value }).toEqual({ state, star: state });
      expect({ state, nine: advance(compiled, saved, { type: 'KEY', key: '9' }, SPEAKING).call.value }).toEqual({
        state,
        nine: flow.start,
      });
    }
  });
});

describe('a small flow', () => {
  const source = readFileSync('test/fixtures/flows/short-line.yaml', 'utf8');
  const small = compileFlow(parseFlowText('short-line.yaml', source).flow!);

  test('its paths, in the order a caller tries the keys', () => {
    const timing = measureFlow(small, { speaking: SPEAKING });
    expect(timing.paths.map((p) => `${p.keys} ${p.outcome}`)).toEqual([
      '1,1 transfer: ticket',
      '1,2 bye after sure',
      '1,_,_,_ transfer: keypad trouble at sure',
      '2,1 bye after restart',
      '2,3 transfer: ticket',
      '2,_,_,_,_,_,_ transfer: went quiet at restart',
      '0 transfer: the desk (0)',
      ...timing.paths.filter((p) => p.keys.startsWith('0,') && !p.outcome.startsWith('desk closed')).map((p) => `${p.keys} ${p.outcome}`),
      '_,_,_ transfer: keypad trouble at menu',
      // Outside the desk's hours, 0 at the start: the desk-closed choice.
      "0,2,_ desk closed: goodbye after the desk's number",
      '0,3,1 desk closed: callback booked after the callback number',
      '0,3,2,6135550123,1 desk closed: callback booked after the number read back',
      "0,3,2,6135550123,_,_,_,_ desk closed: goodbye after the desk's number",
      "0,3,2,_,_,_,_ desk closed: goodbye after the desk's number",
      "0,3,_,_,_,_ desk closed: goodbye after the desk's number",
      '0,8 desk closed: details by text message after the desk-closed choice',
      "0,_,_,_,_ desk closed: goodbye after the desk's number",
    ]);
    expect(timing.paths.filter((p) => p.keys.startsWith('0,busy,2'))).toHaveLength(1);
  });

  test('hear again (2 at a step) and a wrong key are not paths', () => {
    const timing = measureFlow(small, { speaking: SPEAKING });
    // 8 is a path where it asks for a text message; a keyed phone number is one move.
    expect(timing.paths.some((p) => /(^|,)2,2/.test(p.keys) || /(^|,)[4-7](,|$)/.test(p.keys))).toBe(false);
  });
});

describe('a caller presses a key as soon as it is named', () => {
  const timing = measureFlow(portalLogin(), { speaking: SPEAKING });
  const path = (keys: string) => timing.paths.find((p) => p.keys === keys)!;

  test('the menu is heard up to the option taken, the outcome in full', () => {
    const username = path('1,1');
    const sayOf = (p: (typeof username.heard)[number]) => p.parts.flatMap((part) => ('say' in part ? [part.say] : [])).join(' ');
    expect(sayOf(username.listened[0]!)).toMatch(/Username, press 1\.$/);
    expect(sayOf(username.heard[0]!)).toMatch(/9 for the main menu\.$/);
    expect(username.listened.at(-1)).toBe(username.heard.at(-1));
    expect(username.seconds).toBeLessThan(username.heard.reduce((sum, h) => sum + h.seconds, 0));
  });

  test('a prompt answered with no key is heard in full', () => {
    const quiet = path('1,_,_,_');
    expect(quiet.listened.slice(1)).toEqual(quiet.heard.slice(1));
  });
});
