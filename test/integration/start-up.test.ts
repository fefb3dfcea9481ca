import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/redis-server';

/** The line's real entry point, as `npm start` runs it, from source. */
const MAIN = ['--import', 'tsx', 'src/main.ts'];

function startUp(env: Record<string, string>) {
  return spawnSync(process.execPath, MAIN, { encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, timeout: 15_000 });
}

test('a bad environment stops start-up listing every bad variable', () => {
  const result = startUp({ PORT: 'x', BSD_NUMBER: '911', REDIS_URL: 'localhost' });
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/^portal-line cannot start: invalid environment:\n {2}PORT: .+\n {2}REDIS_URL: .+\n {2}BSD_NUMBER: .+\n$/);
});

test('a bad flow stops start-up naming the file, the node and the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flows-'));
  writeFileSync(
    join(dir, 'portal-login.yaml'),
    readFileSync('call-flows/portal-login.yaml', 'utf8').replace('    no: username-reenter', '    no: username-renter'),
  );
  const result = startUp({ FLOWS_DIR: dir });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(`${dir}/portal-login.yaml:`);
  expect(result.stderr).toContain("node 'username', field 'no': unknown node 'username-renter'; did you mean 'username-reenter'?");
});

test('with nothing configured the line starts, answers /readyz, and stops on SIGTERM', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, MAIN, {
    env: { PATH: process.env.PATH, PORT: String(port), SHUTDOWN_DRAIN_SECONDS: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  const deadline = Date.now() + 15_000;
  while (!out.includes('portal-line ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  expect(ready.status).toBe(200);
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  const lines = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string });
  expect(lines.map((l) => l.msg)).toEqual(
    expect.arrayContaining(['no Redis configured: calls are kept in this process memory', 'portal-line ready', 'stopped']),
  );
});
