import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { espeakInstalled } from '../../src/timing/audio';

/** Runs one of the package's tsx commands; returns its exit status and output. */
function run(script: string, args: string[]): { status: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [require.resolve('tsx/cli'), script, ...args], { encoding: 'utf8', stdio: 'pipe' });
    return { status: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { status: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run flows:check', () => {
  test('passes on the committed flows, their listening-time budgets included', () => {
    const result = run('src/cli/flows-check.ts', ['call-flows']);
    expect(result.stdout).toMatch(/^ok {3}call-flows\/portal-login\.yaml: flow 'portal-login', version [0-9a-f]{12}, \d+ nodes/m);
    expect(result.stdout.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(result.stdout).toMatch(/^ok {3}call-flows\/portal-login\.yaml: listening times keep its budgets: \d+ outcomes/m);
    expect(result.status).toBe(0);
  });

  test('fails a flow that breaks a listening-time budget, naming the file, the budget, the path and the prompt', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flows-'));
    const text = readFileSync(FIXTURE, 'utf8').replace('say: "Are you sure?"', `say: "${'Are you sure about that? '.repeat(13)}"`);
    writeFileSync(join(dir, 'short-line.yaml'), text);
    const result = run('src/cli/flows-check.ts', [dir]);
    expect(result.status).toBe(1);
    expect(result.stdout.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([
      `FAIL ${join(dir, 'short-line.yaml')}: field 'budgets.promptSeconds': prompt 'sure' ("Are you sure about that? Are …") takes 23.7 s, over 20 s; heard on path 1,1 (transfer: ticket)`,
    ]);
    expect(result.stderr).toMatch(/1 problem\(s\) in /);
  });

  test('lists every problem and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flows-'));
    const text = readFileSync('call-flows/portal-login.yaml', 'utf8')
      .replace('    yes: username-ticket', '    yes: username-tikcet')
      .replace('    solved: goodbye\n\n  # Multi', '    solved: goodby\n\n  # Multi')
      .replace('      - key: "4"', '      - key: "1"')
      .replace('login help. Goodbye."\n', 'login help. Goodbye.\\a"\n');
    writeFileSync(join(dir, 'portal-login.yaml'), text);
    const result = run('src/cli/flows-check.ts', [dir]);
    expect(result.status).toBe(1);
    const fails = result.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
    expect(fails).toContainEqual(
      expect.stringMatching(/node 'username', field 'yes': unknown node 'username-tikcet'; did you mean 'username-ticket'\?/),
    );
    expect(fails).toContainEqual(expect.stringMatching(/node 'password', field 'solved': unknown node 'goodby'; did you mean 'goodbye'\?/));
    expect(fails).toContainEqual(
      expect.stringMatching(/node 'main-menu', field 'options\[3\]\.key': key 1 is already used by options\[0\]/),
    );
    expect(fails).toContainEqual(
      expect.stringMatching(/field 'system\.afterDesk': contains U\+0007 at character 59, a character XML does not allow/),
    );
    expect(result.stderr).toMatch(/\d+ problem\(s\) in /);
  });
});

const FIXTURE = 'test/fixtures/flows/short-line.yaml';

describe('npm run flows:timing', () => {
  test('prints a row for every path, and exits 0 when the flow keeps its budgets', () => {
    const result = run('src/cli/flows-timing.ts', [FIXTURE]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('### short-line');
    expect(result.stdout).toContain('| Outcome | Keys | Listening, s | Longest prompt, s | Whisper, s |');
    expect(result.stdout).toMatch(
      /^\| transfer: ticket \| 1,1 \| \d+\.\d \| 'ticket' \("The desk will help\. Reference 9 …"\) \d+\.\d \| \d+\.\d \|$/m,
    );
    expect(result.stdout).toMatch(/^\| bye after restart \| 2,1 \| \d+\.\d \| 'restart' \(".+"\) \d+\.\d \| {2}\|$/m);
    expect(result.stdout).toMatch(/^\| desk busy: goodbye \| 0,busy,2,_ \| /m);
    expect(result.stdout).toMatch(/^\| transfer: keypad trouble at menu \| _,_,_ \| /m);
    expect(result.stdout).toMatch(/the listening times of 1 flow\(s\) keep their budgets\n$/);
  });

  test('exits 1 when a flow breaks a budget, and lists each', () => {
    const dir = mkdtempSync(join(tmpdir(), 'timing-'));
    writeFileSync(join(dir, 'short-line.yaml'), readFileSync(FIXTURE, 'utf8').replace('whisperSeconds: 10', 'whisperSeconds: 4'));
    const result = run('src/cli/flows-timing.ts', [dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^FAIL .*short-line\.yaml: field 'budgets\.whisperSeconds': the whisper of 'ticket' \(.*\) takes 4\.4 s, over 4 s; on path 1,1 /m,
    );
  });

  test('--wpm gives the figures at another rate, without holding the budgets', () => {
    const slow = run('src/cli/flows-timing.ts', ['--wpm', '60', FIXTURE]);
    expect(slow.status).toBe(0);
    expect(slow.stdout).toContain('spoken at 60 words a minute');
    expect(slow.stdout).toContain('not at 60 words a minute');
    expect(run('src/cli/flows-timing.ts', ['--wpm', 'fast', FIXTURE]).status).toBe(2);
  });

  test('--check passes on the committed page and README', () => {
    const result = run('src/cli/flows-timing.ts', ['--check']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('listening times of 1 flow(s) are up to date\n');
    expect(result.status).toBe(0);
  });

  test('--write fills the page and the README between their markers; --check fails when a flow changed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'timing-'));
    const flows = join(dir, 'flows');
    mkdirSync(flows);
    copyFileSync(FIXTURE, join(flows, 'short-line.yaml'));
    const doc = join(dir, 'times.md');
    const readme = join(dir, 'README.md');
    writeFileSync(doc, 'How it is made.\n<!-- listening-times:start -->\n<!-- listening-times:end -->\nAfter.\n');
    writeFileSync(readme, 'Intro\n<!-- listening-times-summary:start -->\n<!-- listening-times-summary:end -->\nEnd\n');
    const args = ['--doc', doc, '--readme', readme, flows];
    expect(run('src/cli/flows-timing.ts', [...args, '--check']).status).toBe(1);
    expect(run('src/cli/flows-timing.ts', [...args, '--write']).stdout).toBe(`wrote ${doc}, ${readme}\n`);
    expect(run('src/cli/flows-timing.ts', [...args, '--check']).status).toBe(0);
    expect(readFileSync(doc, 'utf8')).toMatch(
      /^How it is made\.\n<!-- listening-times:start -->\n[\s\S]*### short-line[\s\S]*\| 1,1 \|[\s\S]*<!-- listening-times:end -->\nAfter\.\n$/,
    );
    expect(readFileSync(readme, 'utf8')).toMatch(
      /^Intro\n<!-- listening-times-summary:start -->\n- `short-line`: 17 outcomes reached hearing each prompt once take [\d.]+–[\d.]+ s of listening, median [\d.]+ s; .* It keeps them\.\n<!-- listening-times-summary:end -->\nEnd\n$/,
    );

    writeFileSync(
      join(flows, 'short-line.yaml'),
      readFileSync(FIXTURE, 'utf8').replace('"Are you sure?"', '"Are you quite sure about that?"'),
    );
    const stale = run('src/cli/flows-timing.ts', [...args, '--check']);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toBe(`out of date with the flows: ${doc}, ${readme}\nrun: npm run flows:timing -- --write\n`);

    // A page with no place for the tables is an error that says what to add.
    writeFileSync(doc, 'No markers.\n');
    const noPlace = run('src/cli/flows-timing.ts', [...args, '--write']);
    expect(noPlace.status).toBe(1);
    expect(noPlace.stderr).toContain('<!-- listening-times:start -->');
  });

  test('a flow that does not load is reported as flows:check reports it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'timing-'));
    writeFileSync(join(dir, 'bad.yaml'), readFileSync(FIXTURE, 'utf8').replace('promptSeconds: 20', 'promptSeconds: twenty'));
    const result = run('src/cli/flows-timing.ts', [join(dir, 'bad.yaml')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^FAIL .*bad\.yaml:\d+: field 'budgets\.promptSeconds': must be a number of seconds, such as 20$/m);
  });

  (espeakInstalled() ? test : test.skip)(
    '--audio shows the audio next to the estimate, and how close they come (espeak-ng installed)',
    () => {
      const result = run('src/cli/flows-timing.ts', ['--audio', FIXTURE]);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('| Outcome | Keys | Listening, s (estimate / audio) |');
      expect(result.stdout).toMatch(/^\| transfer: ticket \| 1,1 \| \d+\.\d \/ \d+\.\d \| /m);
      expect(result.stdout).toMatch(
        /^Paths \(\d+\): the estimate is off the audio by [+−]\d+\.\d s \([+−]\d+%\) on average, by [+−]\d+\.\d s and [+−]\d+% at most\.$/m,
      );
      expect(result.stdout).toMatch(/^Prompts \(\d+\): /m);
      expect(result.stdout).toMatch(/^Whispers \(\d+\): /m);
    },
  );
});

describe('npm run flows:diagram', () => {
  test('--check passes on the committed diagrams', () => {
    const result = run('src/cli/flows-diagram.ts', ['--check']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('--check fails when a flow changed and its diagram did not; a run brings it up to date', () => {
    const dir = mkdtempSync(join(tmpdir(), 'diagram-'));
    const flows = join(dir, 'flows');
    const out = join(dir, 'out');
    const readme = join(dir, 'README.md');
    mkdirSync(flows);
    copyFileSync('call-flows/portal-login.yaml', join(flows, 'portal-login.yaml'));
    writeFileSync(readme, 'Intro\n<!-- flow-diagram:portal-login:start -->\n<!-- flow-diagram:portal-login:end -->\nEnd\n');
    const args = ['--flows', flows, '--out', out, '--page', readme];
    expect(run('src/cli/flows-diagram.ts', args).status).toBe(0);
    expect(run('src/cli/flows-diagram.ts', [...args, '--check']).status).toBe(0);
    expect(readFileSync(readme, 'utf8')).toMatch(
      /Intro\n<!-- flow-diagram:portal-login:start -->\n```mermaid\nflowchart TD[\s\S]*```\n<!-- flow-diagram:portal-login:end -->\nEnd\n$/,
    );

    writeFileSync(
      join(flows, 'portal-login.yaml'),
      readFileSync(join(flows, 'portal-login.yaml'), 'utf8').replace('Have you changed your mobile device?', 'Did you get a new phone?'),
    );
    const stale = run('src/cli/flows-diagram.ts', [...args, '--check']);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('out of date with the flows');
    expect(stale.stderr).toContain(join(out, 'portal-login.md'));
    expect(run('src/cli/flows-diagram.ts', args).status).toBe(0);

    // A page left from a flow that is gone is out of date too; a run removes it.
    writeFileSync(join(out, 'old-flow.md'), 'old');
    expect(run('src/cli/flows-diagram.ts', [...args, '--check']).stderr).toContain(join(out, 'old-flow.md'));
    expect(run('src/cli/flows-diagram.ts', args).status).toBe(0);
    expect(run('src/cli/flows-diagram.ts', [...args, '--check']).status).toBe(0);

    // A page with no place for a flow's diagram is an error that says what to add.
    writeFileSync(readme, 'Intro only\n');
    const noPlace = run('src/cli/flows-diagram.ts', [...args, '--check']);
    expect(noPlace.status).toBe(1);
    expect(noPlace.stderr).toContain('<!-- flow-diagram:portal-login:start -->');
  });
});
