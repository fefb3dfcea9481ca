import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The soak's own judgement of memory (bench/soak.ts, bench/soak-judgement.ts): the same short soak, every feature on,
 * fails when its line process carries a deliberate leak (bench/keep-every-request.ts keeps every request: its URL,
 * headers and body) and passes without it. The soak runs as `npm run soak` runs it, on the compiled code.
 *
 * Short, so tuned: one instance (with two, each keeps up to 5,000 calls whose status callback went to the other, a
 * bounded cache that takes a minute of a short run's calls to fill and grows the heap meanwhile), and 20 s of calls
 * before the 30 s measured, so that the code of the calls' paths is compiled before memory is read.
 */

const SECONDS = 30;
const WARM_UP = 20;
jest.setTimeout(300_000);

/** The newest modification time of the files under `dir`. */
function newest(dir: string): number {
  return Math.max(...readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => statSync(join(e.parentPath, e.name)).mtimeMs));
}

beforeAll(() => {
  // `npm run soak`'s build, when the compiled soak is older than its sources.
  const built = 'dist/bench/soak.js';
  if (!existsSync(built) || statSync(built).mtimeMs < Math.max(newest('src'), newest('bench'), newest('test/helpers'))) {
    const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.bench.json'], { encoding: 'utf8', timeout: 240_000 });
    if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.bench.json failed:\n${tsc.stdout}${tsc.stderr}`);
    const files = spawnSync('npm', ['run', 'build:files', '--silent'], { encoding: 'utf8', timeout: 60_000 });
    if (files.status !== 0) throw new Error(`npm run build:files failed:\n${files.stdout}${files.stderr}`);
  }
}, 300_000);

interface SoakReport {
  ok: boolean;
  failures: string[];
  calls: number;
  memory: { judged: boolean; ok: boolean; heapGrowthMb: number; reasons: string[] }[];
}

/** Runs the soak for SECONDS with `extra` arguments; its exit code, what it printed, and its report. */
async function soak(extra: string[]): Promise<{ code: number | null; output: string; report: SoakReport }> {
  const out = mkdtempSync(join(tmpdir(), 'soak-judgement-'));
  const child = spawn(
    process.execPath,
    [
      'dist/bench/soak.js',
      ...['--seconds', String(SECONDS), '--warm-up', String(WARM_UP), '--concurrency', '16', '--instances', '1', '--pages', '2'],
      ...['--out', out, ...extra],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += String(d)));
  child.stderr.on('data', (d) => (output += String(d)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const report = JSON.parse(readFileSync(join(out, 'soak-short.json'), 'utf8')) as SoakReport;
  return { code, output, report };
}

test('a line that keeps every request fails the soak on its heap, and nothing else', async () => {
  const { code, output, report } = await soak(['--preload', 'dist/bench/keep-every-request.js']);
  expect(code).toBe(1);
  expect(report.calls).toBeGreaterThan(1000);
  // The process leaks, and the heap after collection is what says so; everything else about the run is sound.
  expect(report.memory.map((m) => [m.judged, m.ok])).toEqual([[true, false]]);
  expect(report.failures.every((f) => /heap after collection grew/.test(f))).toBe(true);
  expect(output).toMatch(/FAIL: instance 1: heap after collection grew/);
});

test('the same run without the leak passes', async () => {
  const { code, output, report } = await soak([]);
  expect(report.failures).toEqual([]);
  expect(code).toBe(0);
  expect(report.memory.every((m) => m.judged && m.ok)).toBe(true);
  expect(output).toMatch(/-> PASS/);
});
