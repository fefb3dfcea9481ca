import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hashPassword } from '../src/desk/sign-in/password';
import { startLineProcess } from '../test/helpers/processes';
import { freePort, startRedis } from '../test/helpers/redis-server';
import { PASSWORD } from './desk-pages';
import { NODE_FLAGS } from './node-flags';
import type { FloodReport } from './sign-in-flood';

const USAGE = `Usage: node dist/bench/refusal-cost.js [--rate N] [--duration S] [--profile DIR]

What a refused sign-in costs the line's main thread: the line (node dist/src/main.js, on a private redis-server,
no calls) takes the flood of bench/sign-in-flood.ts at N wrong sign-ins a second for S seconds; the CPU time of its
main thread alone (from /proc, the scrypt threads apart) over the answers it gave. With --profile, the line runs
under node --cpu-prof and writes its profile to DIR.`;

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '15' },
    profile: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const CLK_TCK = 100;

/** CPU seconds of one thread of a process (the main thread's id is the process's). */
function threadCpuSeconds(pid: number, tid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

async function main(): Promise<void> {
  const rate = Number(values.rate);
  const seconds = Number(values.duration);
  const redisServer = await startRedis();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const flags = values.profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', values.profile];
  const line = await startLineProcess(
    {
      PORT: String(port),
      REDIS_URL: redisServer.url,
      TWILIO_AUTH_TOKEN: 'bench-auth-token',
      PUBLIC_BASE_URL: base,
      LOG_LEVEL: 'info',
      DESK_USERS: `bench:${await hashPassword(PASSWORD)}`,
      DESK_TRUST_PROXY: 'loopback',
    },
    { command: [process.execPath, ...NODE_FLAGS, ...flags, 'dist/src/main.js'], ready: '/readyz', output: 'discard' },
  );
  try {
    const child = fork(join(__dirname, 'sign-in-flood.js'), [base, String(rate)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const next = () =>
      new Promise<{ ready?: true; error?: string; report?: FloodReport }>((resolve) => child.once('message', resolve as never));
    const started = await next();
    if (started.error !== undefined) throw new Error(started.error);
    // The first seconds start the scrypt threads: not counted.
    await new Promise((r) => setTimeout(r, 3000));
    const before = threadCpuSeconds(line.pid, line.pid);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const cpu = threadCpuSeconds(line.pid, line.pid) - before;
    const elapsed = (performance.now() - t0) / 1000;
    const done = next();
    child.send('close');
    const { report } = await done;
    const answered = Object.values(report!.statuses).reduce((a, b) => a + b, 0);
    const perSecond = answered / (elapsed + 3);
    process.stdout.write(
      `${JSON.stringify({
        rate,
        seconds: Math.round(elapsed),
        answers: report!.statuses,
        mainThreadCorePercent: Math.round((cpu / elapsed) * 1000) / 10,
        mainThreadMsPerAnswer: Math.round(((cpu / elapsed) * 1000 * 1000) / perSecond) / 1000,
        agent: { knownBrowser: report!.agentKnownBrowser, newBrowser: report!.agentNewBrowser, newAddress: report!.agentNewAddress },
        loadavg: readFileSync('/proc/loadavg', 'utf8').trim(),
      })}\n`,
    );
  } finally {
    await line.stop('SIGTERM');
    await redisServer.stop();
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
