import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { formatProblem, parseFlowText } from '../../src/flows/load';
import { median } from '../../src/timing/budgets';
import { timeFlow } from '../../src/timing/time-flow';
import { SPEAKING } from '../helpers/flows';
import { DEFAULT_SPEECH } from '../../src/engine/understanding/speech';

/** A small flow that keeps the budgets of portal-login (60 s, median 40 s, prompt 20 s, whisper 10 s). */
const FIXTURE = 'test/fixtures/flows/short-line.yaml';
const source = readFileSync(FIXTURE, 'utf8');

/** The fixture changed by `edit`, checked: the budget problems as flows:check prints them. */
function broken(edit: (flow: Record<string, any>) => void): string[] {
  const data = parse(source) as Record<string, any>;
  edit(data);
  const loaded = parseFlowText('call-flows/short-line.yaml', stringify(data));
  expect(loaded.problems).toEqual([]);
  return timeFlow(loaded.flow!, SPEAKING).problems.map((p) => formatProblem({ file: loaded.flow!.file, ...p }));
}
const words = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? 'Please' : 'word')).join(' ') + '.';

test('the fixture keeps every budget', () => {
  expect(broken(() => {})).toEqual([]);
});

test('a prompt over promptSeconds names the prompt (node and first words) and a path it is heard on', () => {
  // 59 words and the keys: over 20 s. A reprompt asks the question alone; the paths stay well within a minute.
  const found = broken((f) => (f.nodes.sure.say = `${words(56)} Are you sure?`));
  expect(found).toEqual([
    expect.stringMatching(
      /^call-flows\/short-line\.yaml: field 'budgets\.promptSeconds': prompt 'sure' \("Please word word word word word …"\) takes 2\d\.\d s, over 20 s; heard on path 1,1 \(transfer: ticket\)$/,
    ),
  ]);
});

test('a reprompt is a prompt too', () => {
  // The questions keep the budget; said again after a long "no key" apology, they do not.
  const found = broken((f) => (f.phrases.noInput = words(55)));
  expect(found.map((l) => /prompt '([^']+)' \("Please word word/.exec(l)?.[1])).toEqual([
    'menu',
    'sure',
    'system.deskClosed',
    'system.dialFailed',
    'system.callback.number',
    'system.callback.keyIn',
    'system.callback.confirm',
  ]);
  expect(found[0]).toMatch(
    /: field 'budgets\.promptSeconds': prompt 'menu' .* takes 2\d\.\d s, over 20 s; heard on path _,_,_ \(transfer: keypad trouble at menu\)$/,
  );
});

test('a path over outcomeSeconds names the path and its longest prompt', () => {
  // Four self-service steps in a row, each 16 s: no prompt over 20 s, but the way through all of them is long.
  const found = broken((f) => {
    f.nodes.restart.more.goto = 'step-2';
    const chain: [string, string][] = [
      ['step-2', 'step-3'],
      ['step-3', 'step-4'],
      ['step-4', 'ticket'],
    ];
    for (const [id, next] of chain)
      f.nodes[id] = { type: 'instructions', say: words(40), solved: 'bye', more: { label: 'Still broken', goto: next } };
    f.nodes.restart.say = words(40);
  });
  expect(found.length).toBeGreaterThan(0);
  for (const line of found) expect(line).toMatch(/^call-flows\/short-line\.yaml: field 'budgets\.outcomeSeconds': path 2,3,3/);
  expect(found).toContainEqual(
    expect.stringMatching(
      /field 'budgets\.outcomeSeconds': path 2,3,3,3,3 \(transfer: ticket\) takes \d+\.\d s of listening, over 60 s; its longest prompt is 'restart' \("Please word word word word word …"\), 1\d\.\d s$/,
    ),
  );
});

test('a median over medianOutcomeSeconds names the path at the median', () => {
  const found = broken((f) => (f.budgets.medianOutcomeSeconds = 5));
  expect(found).toEqual([
    expect.stringMatching(
      /^call-flows\/short-line\.yaml: field 'budgets\.medianOutcomeSeconds': the median of \d+ outcomes takes \d+\.\d s of listening, over 5 s; at the median: path [\d,a-z-]+ \(.+\), whose longest prompt is '.+' \(".+"\), \d+\.\d s$/,
    ),
  ]);
});

test('a whisper over whisperSeconds names the transfer and the path', () => {
  const found = broken((f) => (f.nodes.ticket.reason = words(25)));
  expect(found).toEqual([
    expect.stringMatching(
      /^call-flows\/short-line\.yaml: field 'budgets\.whisperSeconds': the whisper of 'ticket' \("Reference 9 8 6, 0 9 …"\) takes 1\d\.\d s, over 10 s; on path 1,1 \(transfer: ticket\)$/,
    ),
    expect.stringMatching(/field 'budgets\.whisperSeconds': the whisper of 'ticket' .* on path 2,3 \(transfer: ticket\)$/),
  ]);
});

test('a budget left out is not held; a flow with no budgets holds none', () => {
  // The text message keeps its own short wording: only the spoken steps are long.
  const long = (f: Record<string, any>) => ((f.nodes.restart.say = words(80)), (f.nodes.restart.text = 'Restart.'));
  expect(broken(long)).toEqual([expect.stringMatching(/field 'budgets\.promptSeconds': prompt 'restart'/)]);
  expect(
    broken((f) => {
      long(f);
      delete f.budgets.promptSeconds;
    }),
  ).toEqual([]);
  expect(
    broken((f) => {
      long(f);
      delete f.budgets;
    }),
  ).toEqual([]);
});

test('a budget equal to a figure as printed is kept', () => {
  // The desk path 0 takes 7.9 s as printed; a budget of 7.9 holds it, 7.8 does not.
  const at = (seconds: number) => broken((f) => (f.budgets.outcomeSeconds = seconds)).filter((l) => / path 0 \(/.test(l));
  expect(at(7.9)).toEqual([]);
  expect(at(7.8)).toHaveLength(1);
});

test('the median of an even number of figures is the mean of the middle two', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
});

describe('a bad budgets block is refused, naming the file, the line and the field', () => {
  const problems = (edit: (flow: Record<string, any>) => void) => {
    const data = parse(source) as Record<string, any>;
    edit(data);
    return parseFlowText('call-flows/bad.yaml', stringify(data)).problems.map(formatProblem);
  };

  test.each([
    [
      'not a number',
      (f: any) => (f.budgets.promptSeconds = 'twenty'),
      /:\d+: field 'budgets\.promptSeconds': must be a number of seconds, such as 20$/,
    ],
    [
      'zero',
      (f: any) => (f.budgets.outcomeSeconds = 0),
      /:\d+: field 'budgets\.outcomeSeconds': must be a number of seconds greater than 0$/,
    ],
    [
      'too fast',
      (f: any) => (f.budgets.wordsPerMinute = 1000),
      /:\d+: field 'budgets\.wordsPerMinute': must be at most 400 words a minute$/,
    ],
    [
      'misspelt',
      (f: any) => (f.budgets.promptSecond = 20),
      /:\d+: field 'budgets\.promptSecond': unknown field 'promptSecond'; did you mean 'promptSeconds'\?$/,
    ],
  ])('%s', (_, edit, message) => {
    expect(problems(edit)).toEqual([expect.stringMatching(new RegExp(`^call-flows/bad\\.yaml${message.source}`))]);
  });

  test('the rate defaults to 175 words a minute', () => {
    const data = parse(source) as Record<string, any>;
    delete data.budgets.wordsPerMinute;
    expect(parseFlowText('x.yaml', stringify(data)).flow?.flow.budgets?.wordsPerMinute).toBe(175);
  });
});

test('the prompts only a caller answering by voice hears (a confirmation, a reprompt after an unknown answer) are held to the prompt budget', () => {
  const real = parse(readFileSync('call-flows/portal-login.yaml', 'utf8')) as Record<string, any>;
  const listening = (f: Record<string, any>) => {
    f.speech = real.speech;
    f.nodes.menu.options[0].words = ['access'];
    f.nodes.menu.options[0].examples = ['I cannot get access'];
    f.nodes.menu.options[1].words = ['screen'];
    f.nodes.menu.options[1].examples = ['the screen is black'];
  };
  const speaking = { ...SPEAKING, speech: DEFAULT_SPEECH };
  const check = (edit: (f: Record<string, any>) => void) => {
    const data = parse(source) as Record<string, any>;
    edit(data);
    const loaded = parseFlowText('call-flows/short-line.yaml', stringify(data));
    expect(loaded.problems).toEqual([]);
    return timeFlow(loaded.flow!, speaking);
  };
  const fine = check(listening);
  expect(fine.problems).toEqual([]);
  expect(fine.timing.spoken.map((p) => p.words)).toContainEqual(expect.stringMatching(/^Did you say access\?/));
  const long = check((f) => {
    listening(f);
    f.speech.confirm = `${words(60)} Did you say {word}?`;
  });
  expect(long.problems.map((p) => p.message)).toContainEqual(
    expect.stringMatching(
      /^prompt 'menu' \("Please word word word word word …"\) takes 2\d\.\d s, over 20 s; heard when a spoken answer is confirmed or not understood$/,
    ),
  );
  // With speech off for the line, none of them is heard, and none is timed.
  const keypad = timeFlow(
    parseFlowText(
      'call-flows/short-line.yaml',
      stringify(
        (() => {
          const d = parse(source) as Record<string, any>;
          listening(d);
          return d;
        })(),
      ),
    ).flow!,
    SPEAKING,
  );
  expect(keypad.timing.spoken).toEqual([]);
});
