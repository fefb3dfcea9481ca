import { execFile } from 'node:child_process';
import { main, periodDays } from '../../src/cli/flows-insights';
import { dayOf } from '../../src/desk/time';
import { startLine, testRedisUrl, type TestLine } from '../helpers/line';

/** `npm run flows:insights` prints the per-node table from the Redis the line uses, as the page shows it. */

let line: TestLine | undefined;
afterEach(async () => {
  await line?.close();
  line = undefined;
});

async function run(argv: string[], env: Record<string, string>) {
  let out = '';
  let err = '';
  const code = await main(argv, env, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

test("prints what callers did at each node, by key and by voice, from the line's Redis", async () => {
  line = await startLine('redis');
  for (const keys of ['2,1', 'say:password,1', '0,answer', '3,hangup']) expect((await line!.call(keys)).errors).toEqual([]);
  await line!.line.insights!.flush();
  const { prefix } = line!;
  const env = { REDIS_URL: testRedisUrl(), REDIS_KEY_PREFIX: prefix };
  const { code, out } = await run(['--since', '7d'], env);
  expect(code).toBe(0);
  expect(out).toContain('4 calls; 2 solved by self-service (50%), 1 ended at the desk (25%), 1 hung up mid-way (25%)');
  expect(out).toMatch(/^main-menu\s+4\s+0\s+0\s+0\s+1\s+1\s+0\s+0\s+25% left here$/m);
  expect(out).toMatch(/^ {4}2: Password\s+1 by key\s+1 by voice\s+50%$/m);
  expect(out).toMatch(/^mfa-uninstalled-app\s+1\s+0\s+0\s+0\s+0\s+0\s+1\s+0\s+100% left here$/m);
  expect(out).toMatch(new RegExp(`^${dayOf(new Date(), 'UTC')}\\s+4\\s+2\\s+1\\s+1\\s+[0-9a-f]+ \\(4\\)$`, 'm'));
  // The same as JSON, for other tools.
  const json = JSON.parse((await run(['--since', 'today', '--json'], env)).out);
  expect(json.totals).toEqual({ calls: 4, solved: 2, desk: 1, hungUp: 1, rescued: 0 });
  // And as the npm script runs it, in its own process.
  const script = await new Promise<{ stdout: string }>((resolve, reject) =>
    execFile(
      'npm',
      ['run', '-s', 'flows:insights', '--', '--since', 'today'],
      { env: { PATH: process.env.PATH, ...env } },
      (error, stdout) => (error ? reject(error) : resolve({ stdout })),
    ),
  );
  expect(script.stdout).toBe((await run(['--since', 'today'], env)).out);
}, 30_000);

test('refuses, with the reason, a line without Redis, a bad period and a flow it does not know', async () => {
  expect(await run([], {})).toMatchObject({ code: 2, err: expect.stringContaining('configured without Redis') });
  const env = { REDIS_URL: testRedisUrl() };
  expect(await run(['30d'], env)).toMatchObject({ code: 2, err: expect.stringContaining("unexpected argument '30d'") });
  expect(await run(['--since', 'week'], env)).toMatchObject({
    code: 2,
    err: expect.stringContaining('--since must be today or a number of days'),
  });
  expect(await run(['--from', '2026-02-30'], env)).toMatchObject({ code: 2, err: expect.stringContaining('--from must be a day') });
  expect(await run(['--flow', 'no-such-flow'], env)).toMatchObject({ code: 2, err: expect.stringContaining('no-such-flow') });
  expect(await run([], { ...env, INSIGHTS_RETENTION_DAYS: '0' })).toMatchObject({
    code: 2,
    err: expect.stringContaining('counts nothing'),
  });
});

test('a period is days ending today, or from one day to another, within the retention', () => {
  expect(periodDays({}, '2026-12-06', 90)).toEqual([
    '2026-11-30',
    '2026-12-01',
    '2026-12-02',
    '2026-12-03',
    '2026-12-04',
    '2026-12-05',
    '2026-12-06',
  ]);
  expect(periodDays({ since: 'today' }, '2026-12-06', 90)).toEqual(['2026-12-06']);
  expect(periodDays({ from: '2026-02-27', to: '2026-03-01' }, '2026-12-06', 90)).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
  expect(periodDays({ since: '91d' }, '2026-12-06', 90)).toMatch(/at most 90d/);
  expect(periodDays({ from: '2026-12-07', to: '2026-12-06' }, '2026-12-06', 90)).toMatch(/not be after/);
  expect(periodDays({ to: '2026-12-06' }, '2026-12-06', 90)).toMatch(/needs --from/);
});
