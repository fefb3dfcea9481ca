import { cleanOutput, findExamples, lineDiff, normalise, rewrite } from '../../src/cli/docs-examples';

/** npm run docs:examples: how a document marks an example, and how an output is compared with it. */
describe('findExamples', () => {
  const doc = [
    'Intro',
    '<!-- output of: npm run flows:check -->',
    '```text',
    'ok   flows',
    '',
    'all sound',
    '```',
    'Between',
    '<!--output of:   npm run call -- --keys 2,1   -->',
    '```text',
    '$ npm run call -- --keys 2,1',
    'LINE        Hello',
    '```',
    'End',
  ].join('\n');

  test('finds each marked block, its command and its output, with or without a prompt line', () => {
    const { examples, problems } = findExamples(doc);
    expect(problems).toEqual([]);
    expect(
      examples.map(({ command, status, line, first, last, prompt, body }) => ({ command, status, line, first, last, prompt, body })),
    ).toEqual([
      { command: 'npm run flows:check', status: 0, line: 1, first: 3, last: 5, prompt: false, body: 'ok   flows\n\nall sound' },
      { command: 'npm run call -- --keys 2,1', status: 0, line: 8, first: 10, last: 11, prompt: true, body: 'LINE        Hello' },
    ]);
  });

  test('a marker may give the exit status the command is expected to end with', () => {
    const { examples } = findExamples('<!-- output of: npm run flows:check -- broken (exit status 1) -->\n```\nFAIL\n```\n');
    expect(examples.map((e) => [e.command, e.status])).toEqual([['npm run flows:check -- broken', 1]]);
  });

  test('a longer fence may hold a shorter one; an empty block has no body', () => {
    const { examples } = findExamples('<!-- output of: a -->\n````\n```\ninner\n```\n````\n<!-- output of: b -->\n```\n```\n');
    expect(examples.map((e) => [e.command, e.body])).toEqual([
      ['a', '```\ninner\n```'],
      ['b', ''],
    ]);
  });

  test('a marker without a block under it, a block never closed and a prompt for another command are reported', () => {
    expect(findExamples('<!-- output of: npm run x -->\n\n```\nout\n```\n').problems).toEqual([
      "line 1: the marker for 'npm run x' must be followed directly by a fenced code block",
    ]);
    expect(findExamples('<!-- output of: npm run x -->\n```\nout\n').problems).toEqual([
      "line 2: the code block after the marker for 'npm run x' is never closed",
    ]);
    expect(findExamples('<!-- output of: npm run x -->\n```\n$ npm run y\nout\n```\n').problems).toEqual([
      "line 3: the block shows '$ npm run y', but its marker runs 'npm run x'",
    ]);
  });

  test('a text without markers has no examples', () => {
    expect(findExamples('# Title\n\n```sh\nnpm start\n```\n')).toEqual({ examples: [], problems: [] });
  });
});

describe('cleanOutput', () => {
  test("drops npm's banner, ANSI colours, trailing spaces and blank lines at either end", () => {
    const raw = '\n> portal-line@1.0.0 flows:check\n> tsx src/cli/flows-check.ts\n\n\x1b[32mok\x1b[0m   flows   \r\n\nall sound\n\n';
    expect(cleanOutput(raw)).toBe('ok   flows\n\nall sound');
  });

  test('keeps a line that only starts with ">"', () => {
    expect(cleanOutput('> a quote\nnext')).toBe('> a quote\nnext');
  });
});

describe('normalise', () => {
  test('paths, times, dates and durations in ms become placeholders', () => {
    const text = 'read /work/repo/docs/a.md and /tmp/x-1/b at 2026-11-27T12:19:04.708Z on 2026-11-27 at 12:19:04 in 4.85 ms, 120ms';
    expect(normalise(text, '/work/repo', '/tmp')).toBe(
      'read <repo>/docs/a.md and <tmp>/x-1/b at <time> on <date> at <time> in <n> ms, <n> ms',
    );
  });

  test('leaves the figures that a command gives the same on every run', () => {
    const text = 'outcomes take 20.6–58.6 s of listening, median 39.9 s; version de50396f54c0, 19 nodes';
    expect(normalise(text, '/work/repo', '/tmp')).toBe(text);
  });
});

describe('lineDiff', () => {
  test('marks the lines only the document has with -, and only the command prints with +', () => {
    expect(lineDiff('a\nb\nc', 'a\nB\nc\nd')).toBe('  a\n- b\n+ B\n  c\n+ d');
  });
});

describe('rewrite', () => {
  test('puts each output in its block, keeping the prompt line and the rest of the text', () => {
    const doc = '<!-- output of: one -->\n```\nold\nlines\n```\nmiddle\n<!-- output of: two -->\n```\n$ two\nold\n```\n';
    const { examples } = findExamples(doc);
    const out = rewrite(
      doc,
      new Map([
        [examples[0]!, 'new'],
        [examples[1]!, 'fresh\nlines'],
      ]),
    );
    expect(out).toBe('<!-- output of: one -->\n```\nnew\n```\nmiddle\n<!-- output of: two -->\n```\n$ two\nfresh\nlines\n```\n');
  });
});
