import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
  test('passes on the committed flows', () => {
    const result = run('src/cli/flows-check.ts', ['call-flows']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^ok {3}call-flows\/portal-login\.yaml: flow 'portal-login', version [0-9a-f]{12}, \d+ nodes/m);
  });

  test('lists every problem and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flows-'));
    const text = readFileSync('call-flows/portal-login.yaml', 'utf8')
      .replace('    yes: username-ticket', '    yes: username-tikcet')
      .replace('    solved: goodbye\n\n  # Multi', '    solved: goodby\n\n  # Multi')
      .replace('      - key: "4"', '      - key: "1"')
      .replace('Goodbye."\n', 'Goodbye.\\a"\n');
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
    const args = ['--flows', flows, '--out', out, '--readme', readme];
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

    // A README with no place for a flow's diagram is an error that says what to add.
    writeFileSync(readme, 'Intro only\n');
    const noPlace = run('src/cli/flows-diagram.ts', [...args, '--check']);
    expect(noPlace.status).toBe(1);
    expect(noPlace.stderr).toContain('<!-- flow-diagram:portal-login:start -->');
  });
});
