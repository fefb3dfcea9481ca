import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatTranscript, simulatedCallSid } from '../../src/simulator/caller';
import { AUTH_TOKEN, startLine, type StoreKind } from '../helpers/line';
import { startLineProcess } from '../helpers/processes';
import { CLOSED_DESK, TEXTS_ON } from '../../src/simulator/demo-settings';
import { localAnnouncement } from '../../src/announcement/announcement';
import { freePort } from '../helpers/redis-server';
import {
  announcementOf,
  documentedCall,
  documentedCallFiles,
  TRANSCRIPTS_DIR as DIR,
  TRANSCRIPT_WIDTH as WIDTH,
} from '../helpers/transcripts';

/**
 * docs/transcripts/*.txt are the calls the README quotes. Each starts with the command that makes it; the test
 * places the same call and expects the same transcript. UPDATE_TRANSCRIPTS=1 rewrites them after a wording change.
 */
const files = documentedCallFiles();
const parse = documentedCall;

test('there are transcripts to check', () => {
  expect(files.length).toBeGreaterThanOrEqual(10);
});

describe.each<StoreKind>(['memory', 'redis'])('transcripts on the %s store', (kind) => {
  test.each(files)('%s', async (file) => {
    const { command, keys, body } = parse(file);
    // --closed and --texts, as npm run call takes them.
    const closed = / --closed\b/.test(command);
    const env = { ...(closed ? CLOSED_DESK.env : {}), ...(/ --texts\b/.test(command) ? TEXTS_ON.env : {}) };
    const line = await startLine(kind, env, undefined, closed ? { now: () => CLOSED_DESK.now } : {});
    // --announcement "WORDS" [--announcement-then desk]: on before the call, as npm run call puts it on.
    const announced = announcementOf(command);
    if (announced !== undefined) {
      await line.backend.announcements.put(localAnnouncement(announced.text, announced.then));
      await line.line.announcements.refresh();
    }
    const result = await line.call(keys, simulatedCallSid('portal-line-demo'));
    await line.close();
    expect(result.errors).toEqual([]);
    const actual = formatTranscript(result.transcript, WIDTH);
    if (process.env.UPDATE_TRANSCRIPTS === '1' && kind === 'memory') writeFileSync(join(DIR, file), `${command}\n${actual}\n`);
    else expect(actual).toBe(body);
  });
});

test('the transcripts quoted in the README are the checked ones', () => {
  const readme = readFileSync('README.md', 'utf8');
  const quoted = [...readme.matchAll(/```text\n(\$ npm run call[^\n]*)\n([\s\S]*?)\n```/g)];
  expect(quoted.length).toBeGreaterThanOrEqual(1);
  for (const [, command, body] of quoted) {
    const file = files.find((f) => parse(f).command === command);
    expect(file).toBeDefined();
    expect(body).toBe(parse(file!).body);
  }
});

/** The first call the docs quote that needs nothing of the line but keys (no announcement, closed desk or texts). */
const plain = () => parse(files.find((f) => !/ --(announcement|closed|texts)\b/.test(parse(f).command))!);

test('npm run call prints the same transcript', () => {
  const { keys, body } = plain();
  const out = execFileSync(process.execPath, [require.resolve('tsx/cli'), 'src/cli/call.ts', '--keys', keys], {
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'silent' },
  });
  expect(out.trimEnd()).toBe(body);
});

test('npm run call -- --announcement prints the same transcript', () => {
  const file = files.find((f) => parse(f).command.includes(' --announcement-then desk '))!;
  const { command, keys, body } = parse(file);
  const words = / --announcement "([^"]+)"/.exec(command)![1]!;
  const args = ['src/cli/call.ts', '--announcement', words, '--announcement-then', 'desk', '--keys', keys];
  const out = execFileSync(process.execPath, [require.resolve('tsx/cli'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'silent' },
  });
  expect(out.trimEnd()).toBe(body);
});

test('npm run call -- --announcement refuses words that are not plain, saying why', () => {
  const run = spawnSync(
    process.execPath,
    [require.resolve('tsx/cli'), 'src/cli/call.ts', '--announcement', 'Call 555 0123', '--keys', 'hangup'],
    {
      encoding: 'utf8',
    },
  );
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('--announcement: Digits only in a time');
});

test('npm run call without --keys reads the keys from the terminal, and asks how the desk answers', () => {
  const out = execFileSync(process.execPath, [require.resolve('tsx/cli'), 'src/cli/call.ts', '--width', '0'], {
    encoding: 'utf8',
    input: '1\n\n3\nb\n2\n\n',
  });
  const lines = out.split('\n');
  expect(lines.filter((l) => l.startsWith('CALLER')).map((l) => l.slice(12))).toEqual([
    'presses 1',
    'presses nothing for 7 seconds',
    'presses 3',
    'presses 2',
    'presses nothing for 7 seconds',
  ]);
  expect(out).toContain('  the desk: [a]nswers, [b]usy, [n]o answer, [f]ails? b');
  expect(out).toContain('DESK        busy');
  expect(lines.at(-2)).toBe('CALL        line hung up');
});

test('npm run call without --keys takes a typed word as what the caller says, with an optional confidence', () => {
  const out = execFileSync(process.execPath, [require.resolve('tsx/cli'), 'src/cli/call.ts', '--width', '0'], {
    encoding: 'utf8',
    input: 'Password\nsolved@0.3\nyes\n',
  });
  const lines = out.split('\n');
  expect(lines.filter((l) => l.startsWith('CALLER')).map((l) => l.slice(12))).toEqual(['says "password"', 'says "solved"', 'says "yes"']);
  expect(out).toContain('LINE        Did you say that solved it? Say yes, or press 1.');
  expect(out).toContain("I'm glad that helped.");
});

test('the documented calls include spoken answers', () => {
  expect(files.filter((f) => parse(f).keys.includes('say:')).length).toBeGreaterThanOrEqual(2);
});

test('npm run call --url calls a running line and prints the same transcript', async () => {
  const port = await freePort();
  const line = await startLineProcess({ PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` });
  try {
    const { keys, body } = plain();
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [
          require.resolve('tsx/cli'),
          'src/cli/call.ts',
          '--url',
          `http://127.0.0.1:${port}`,
          '--token',
          AUTH_TOKEN,
          '--keys',
          keys,
          '--seed',
          'portal-line-demo',
        ],
        { encoding: 'utf8' },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    expect(out.trimEnd()).toBe(body);
  } finally {
    await line.stop();
  }
});

test('npm run call rejects an unknown step with the usage', () => {
  let stderr = '';
  try {
    execFileSync(process.execPath, [require.resolve('tsx/cli'), 'src/cli/call.ts', '--keys', '1,x'], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    stderr = String((error as { stderr: string }).stderr);
    expect((error as { status: number }).status).toBe(2);
  }
  expect(stderr).toContain("unknown step 'x'");
  expect(stderr).toContain('Usage: npm run call');
});
