import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const LOG = JSON.stringify(join(__dirname, '../../src/common/log'));

/** Runs `script` in a node process with tsx, as the line runs. */
const node = (script: string) => [process.execPath, ['-r', require.resolve('tsx/cjs'), '-e', script]] as const;

test('the line logs to stdout, and a line logged just before the process exits still reaches it', () => {
  const script = `const { createLogger } = require(${LOG});
    const logger = createLogger('info');
    logger.info({ n: 1 }, 'first');
    logger.warn({ n: 2 }, 'last words');
    process.exit(3);`;
  const [cmd, args] = node(script);
  const run = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  expect(run.status).toBe(3);
  const lines = run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; service: string });
  expect(lines.map((l) => l.msg)).toEqual(['first', 'last words']);
  expect(lines[0]!.service).toBe('portal-line');
});

test('a stalled stdout reader never holds up the event loop: lines beyond the limit are dropped, counted, and logging resumes', async () => {
  // The child logs 4 MB, a webhook-sized line per turn of its event loop, while nobody reads its stdout; it
  // reports the longest gap between its turns, then, once the reader is back, logs one more line and exits.
  const total = 15_000;
  const script = `const pino = require('pino');
    const { createLogger, logDestination } = require(${LOG});
    const logger = createLogger('info', logDestination({ fd: 1, maxLength: 256 * 1024 }));
    (async () => {
      let last = performance.now(), worst = 0;
      for (let i = 0; i < ${total}; i++) {
        logger.info({ route: '/voice/input', callSid: 'CA' + String(i).padStart(32, '0'), node: 'password-reset-link', event: 'key 2', outcome: 'advanced', latencyMs: 0.83 }, 'webhook turn');
        await new Promise((r) => setImmediate(r));
        const now = performance.now();
        worst = Math.max(worst, now - last);
        last = now;
      }
      process.stderr.write(JSON.stringify({ worstGapMs: worst }) + '\\n');
      process.stdin.once('data', async () => {
        await new Promise((r) => setTimeout(r, 500));
        logger.warn('last words');
        process.exit(0);
      });
    })();`;
  const [cmd, args] = node(script);
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout.pause();
  let err = '';
  const report = new Promise<{ worstGapMs: number }>((resolve) =>
    child.stderr.on('data', (d) => {
      err += String(d);
      if (err.includes('\n')) resolve(JSON.parse(err.split('\n')[0]!) as { worstGapMs: number });
    }),
  );
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const { worstGapMs } = await report;
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stdout.resume();
  child.stdin.write('go\n');
  expect(await exited).toBe(0);
  expect(worstGapMs).toBeLessThan(200);
  const lines = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; droppedLines?: number });
  const turns = lines.filter((l) => l.msg === 'webhook turn').length;
  const dropped = lines.reduce((sum, l) => sum + (l.droppedLines ?? 0), 0);
  expect(dropped).toBeGreaterThan(0);
  expect(turns + dropped).toBe(total);
  expect(lines.at(-1)!.msg).toBe('last words');
}, 60_000);
