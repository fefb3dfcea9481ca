import { fork, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { NODE_FLAGS } from './node-flags';
import { startLineProcess, type LineProcess, type LineProcessOptions } from '../test/helpers/processes';
import { freePort, startRedis, type RedisProcess } from '../test/helpers/redis-server';
import { benchDeskUsers, openDeskPages, PASSWORD } from './desk-pages';
import type { FloodReport } from './sign-in-flood';
import { hashPassword } from '../src/desk/sign-in/password';
import { percentile, Recorder, simulatedCall, WebhookClient } from './driver';
import { processUsage } from './process-usage';

const USAGE = `Usage: npm run bench -- [--duration S] [--rounds N] [--concurrency N] [--calls-in-memory N] [--desk-pages N] [--sign-in-flood N] [--keys-only] [--insights-off] [--short] [--out DIR]

Starts the line (node dist/src/main.js) on a private redis-server and drives whole simulated calls through it:
  closed loop  N concurrent callers, each placing calls back to back: the maximum rate
  ceiling      the same callers against a plain express endpoint that returns one fixed TwiML document (its
               Gather leads the callers on, turn after turn, as the line's prompts do); the two take turns in
               --rounds rounds (default 15) that share the duration (default 30 s each), so drift on the
               machine falls on both alike; rates and server CPU count each round's set time only; the same
               endpoint served as the line is (its requests built on express's prototypes) takes turns too
  open loop    calls arriving at a fixed rate, set to half the measured maximum, so that latency is not hidden
               by coordinated omission, after 5 s at that rate that are not counted; then the ceiling at the
               same webhook rate, for comparison
  memory       Redis memory per live call, with N calls left in progress
  start-up     time from starting the process to a 200 from /readyz
--desk-pages N  the line runs with its desk page, and N pages stay connected to it for live transfers through the
               closed and open loops (default 0: no desk page)
--keys-only        the line with SPEECH_INPUT=off: no hints and no spoken answers, as before the classifier
--insights-off     the line with INSIGHTS_RETENTION_DAYS=0: no flow insights counted, for comparison (default: on,
               as shipped)
--sign-in-flood N  after the open loop, the same open loop again while N wrong sign-ins a second reach /desk from
               400 addresses (X-Forwarded-For, DESK_TRUST_PROXY=loopback; the account hashed at the shipped cost),
               and an agent signs in every 2 s from a browser she used before, from a new one on the
               address she signed in from, and from a new one on a new address (default 0: none)
--short runs each phase for a second or two (CI keeps the script working with it; read targets from a full run).`;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '15' },
    'calls-in-memory': { type: 'string', default: '2000' },
    'desk-pages': { type: 'string', default: '0' },
    'sign-in-flood': { type: 'string', default: '0' },
    'keys-only': { type: 'boolean', default: false },
    'insights-off': { type: 'boolean', default: false },
    short: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const short = values.short === true;
const duration = short ? 2 : Number(values.duration);
const concurrency = Number(values.concurrency);
const rounds = short ? 2 : Math.max(1, Number(values.rounds));
const callsInMemory = short ? 200 : Number(values['calls-in-memory']);
const deskPages = Math.max(0, Number(values['desk-pages']));
const signInFlood = Math.max(0, Number(values['sign-in-flood']));
const TOKEN = 'bench-auth-token';
/** Warm-up of each side before the measured rounds. */
const WARM_UP_SECONDS = 15;

interface PhaseResult {
  seconds: number;
  webhooks: number;
  calls: number;
  errors: number;
  errorSamples: string[];
  webhooksPerSecond: number;
  callsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  serverCpuPercent: number;
  /** Server CPU time per webhook: the cost of a turn, whatever the load generator's own share of the machine. */
  serverCpuMicrosPerWebhook: number;
  serverRssMb: number;
  redisCommandsPerWebhook?: number;
  storeRoundTripsPerWebhook?: number;
}

type Counts = Pick<Recorder, 'latencies' | 'webhooks' | 'calls' | 'errors' | 'errorSamples'>;

function summarize(recorder: Counts, seconds: number, cpu: number, rssMb: number): PhaseResult {
  const sorted = [...recorder.latencies].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    seconds: round(seconds),
    webhooks: recorder.webhooks,
    calls: recorder.calls,
    errors: recorder.errors,
    errorSamples: recorder.errorSamples,
    webhooksPerSecond: round(recorder.webhooks / seconds),
    callsPerSecond: round(recorder.calls / seconds),
    latencyMs: {
      p50: round(percentile(sorted, 50)),
      p95: round(percentile(sorted, 95)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted.at(-1) ?? 0),
    },
    serverCpuPercent: round((cpu / seconds) * 100),
    serverCpuMicrosPerWebhook: Math.round((cpu / Math.max(1, recorder.webhooks)) * 1e6),
    serverRssMb: round(rssMb),
  };
}

/** A server under the closed loop, with what its rounds have gathered so far. */
interface Target {
  client: WebhookClient;
  pid: number;
  /** Every webhook of every round, the tails after each round's set time included: latencies and counts. */
  recorder: Recorder;
  /** Within the rounds' set time only: webhooks and calls completed, that time, and the server's CPU over it. */
  webhooks: number;
  calls: number;
  seconds: number;
  cpuSeconds: number;
  rssMb: number;
  /** Webhooks per second of each round, within its set time. */
  rounds: number[];
}

function target(client: WebhookClient, pid: number): Target {
  return { client, pid, recorder: new Recorder(), webhooks: 0, calls: 0, seconds: 0, cpuSeconds: 0, rssMb: 0, rounds: [] };
}

/** Rates and CPU from the rounds' set time; latencies from every webhook. */
function summarizeTarget(t: Target): PhaseResult & { webhooksPerSecondByRound: number[] } {
  const { latencies, errors, errorSamples } = t.recorder;
  const within = { latencies, webhooks: t.webhooks, calls: t.calls, errors, errorSamples };
  return { ...summarize(within, t.seconds, t.cpuSeconds, t.rssMb), webhooksPerSecondByRound: t.rounds };
}

/**
 * N callers placing whole calls back to back against `t` for `seconds`, added to what `t` has gathered. Rates and
 * CPU count what happens within the set time: after it, each caller finishes the call it is on, with fewer and
 * fewer callers left, and a server whose calls are longer would pay more for that tail.
 */
async function closedRound(t: Target, seconds: number, callers: number): Promise<void> {
  const before = processUsage(t.pid);
  const webhooksBefore = t.recorder.webhooks;
  const callsBefore = t.recorder.calls;
  const started = performance.now();
  const end = started + seconds * 1000;
  const window = new Promise<{ webhooks: number; calls: number; at: number; usage: ReturnType<typeof processUsage> }>((resolve) =>
    setTimeout(
      () => resolve({ webhooks: t.recorder.webhooks, calls: t.recorder.calls, at: performance.now(), usage: processUsage(t.pid) }),
      seconds * 1000,
    ),
  );
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < end) await simulatedCall(t.client, t.recorder);
    }),
  );
  const within = await window;
  const windowSeconds = (within.at - started) / 1000;
  t.webhooks += within.webhooks - webhooksBefore;
  t.calls += within.calls - callsBefore;
  t.seconds += windowSeconds;
  t.cpuSeconds += within.usage.cpuSeconds - before.cpuSeconds;
  t.rssMb = within.usage.rssMb;
  t.rounds.push(Math.round((within.webhooks - webhooksBefore) / windowSeconds));
}

/**
 * The line and the ceiling in alternating rounds under the same callers: whatever else the machine is doing
 * drifts over both alike, rather than over whichever phase ran at the time.
 */
async function alternate(targets: Target[], rounds: number, seconds: number, callers: number): Promise<void> {
  for (let round = 0; round < rounds; round++) for (const t of targets) await closedRound(t, seconds / rounds, callers);
}

/** Seconds of the open loop whose calls' p99 is also given on its own, so that one bad stretch shows as such. */
const OPEN_WINDOW_SECONDS = 5;

/**
 * Seconds of the open loop run at its rate before it is measured. Its first 5 s stretch was the slowest of the six
 * in each of the three full runs of 2026-12-01 that measured from the first call (p99 10.4, 15.1 and 24.1 ms, the
 * rest at most 10.6): the change from the rounds at the maximum, each followed by the ceilings' turns, to a steady
 * rate. The line and the ceiling get the same; the report gives the warm-up's own p99.
 */
const OPEN_WARM_UP_SECONDS = 5;

type OpenLoopResult = PhaseResult & {
  targetCallsPerSecond: number;
  maxStartLagMs: number;
  p99MsByWindow: number[];
  warmUp: { seconds: number; p99Ms: number };
};

/**
 * Calls arriving at `callsPerSecond` whatever the line's speed; each call's webhooks follow one another. The calls
 * started in the first `warmUpSeconds` are not counted (their p99 is given apart); besides the whole run's
 * figures, the p99 of the calls started in each stretch of OPEN_WINDOW_SECONDS after it.
 */
async function openLoop(
  client: WebhookClient,
  pid: number,
  seconds: number,
  callsPerSecond: number,
  warmUpSeconds: number,
): Promise<OpenLoopResult> {
  const windows = Array.from({ length: Math.max(1, Math.ceil(seconds / OPEN_WINDOW_SECONDS)) }, () => new Recorder());
  const warm = new Recorder();
  const begun = performance.now();
  let before = processUsage(pid);
  let started = begun;
  const inFlight: Promise<void>[] = [];
  let launched = 0;
  let maxLag = 0;
  let measuring = warmUpSeconds <= 0;
  while (performance.now() - begun < (warmUpSeconds + seconds) * 1000) {
    const sinceBegun = (performance.now() - begun) / 1000;
    if (!measuring && sinceBegun >= warmUpSeconds) {
      measuring = true;
      before = processUsage(pid);
      started = performance.now();
    }
    const due = Math.floor(sinceBegun * callsPerSecond);
    if (due - launched > 1) maxLag = Math.max(maxLag, ((due - launched - 1) / callsPerSecond) * 1000);
    const elapsed = (performance.now() - started) / 1000;
    const recorder = measuring ? windows[Math.min(windows.length - 1, Math.floor(elapsed / OPEN_WINDOW_SECONDS))]! : warm;
    for (; launched < due; launched++) inFlight.push(simulatedCall(client, recorder));
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  const after = processUsage(pid);
  const all = new Recorder();
  // An error in the warm-up counts as one: the run fails.
  all.errors += warm.errors;
  all.errorSamples.push(...warm.errorSamples);
  for (const w of windows) {
    for (const ms of w.latencies) all.latencies.push(ms);
    all.webhooks += w.webhooks;
    all.calls += w.calls;
    all.errors += w.errors;
    all.errorSamples.push(...w.errorSamples.slice(0, 5 - all.errorSamples.length));
  }
  return {
    ...summarize(all, elapsed, after.cpuSeconds - before.cpuSeconds, after.rssMb),
    targetCallsPerSecond: callsPerSecond,
    maxStartLagMs: Math.round(maxLag),
    warmUp: { seconds: warmUpSeconds, p99Ms: p99Of(warm.latencies) },
    p99MsByWindow: windows.map((w) => p99Of(w.latencies)),
  };
}

function p99Of(latencies: number[]): number {
  return (
    Math.round(
      percentile(
        [...latencies].sort((a, b) => a - b),
        99,
      ) * 100,
    ) / 100
  );
}

/** Store round trips the line has made, from its /metrics (on its metrics port). */
async function roundTrips(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return [...text.matchAll(/^portal_line_store_round_trips_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** A flood of wrong sign-ins at `base`, in a process of its own (bench/sign-in-flood.ts), until closed. */
async function startSignInFlood(base: string, perSecond: number): Promise<{ close(): Promise<FloodReport & { cpuPercent: number }> }> {
  const child = fork(join(__dirname, 'sign-in-flood.js'), [base, String(perSecond)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () =>
    new Promise<{ ready?: true; error?: string; report?: FloodReport }>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the sign-in flood exited with ${code}`));
      child.once('exit', onExit);
      child.once('message', (message) => {
        child.off('exit', onExit);
        resolve(message as { ready?: true; error?: string; report?: FloodReport });
      });
    });
  const started = await next();
  if (started.error !== undefined) throw new Error(`sign-in flood: ${started.error}`);
  // The flood's own CPU: on one machine it takes cores that, in production, an attacker's machines would spend.
  const from = { at: performance.now(), cpu: processUsage(child.pid!).cpuSeconds };
  return {
    close: async () => {
      const cpuPercent = ((processUsage(child.pid!).cpuSeconds - from.cpu) / ((performance.now() - from.at) / 1000)) * 100;
      const done = next();
      child.send('close');
      const { report } = await done;
      if (report === undefined) throw new Error('sign-in flood: no report');
      return { ...report, cpuPercent: Math.round(cpuPercent * 10) / 10 };
    },
  };
}

/** Commands Redis executed, those run inside Lua scripts included. */
async function commandCount(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  return [...info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)]
    .filter(([, name]) => name !== 'info')
    .reduce((sum, [, , calls]) => sum + Number(calls), 0);
}

async function main(): Promise<void> {
  const redisServer: RedisProcess = await startRedis();
  const redis = new Redis(redisServer.url);
  const results: Record<string, unknown> = {};
  const children: LineProcess[] = [];
  /** A server of the benchmark's: its log lines dropped, its errors shown. */
  const start = (env: Record<string, string>, options: LineProcessOptions) => startLineProcess(env, { output: 'discard', ...options });
  try {
    // Start-up: from process start to a 200 from /readyz.
    const startup: Record<string, number[]> = { node: [], npmStart: [] };
    const starts: Record<string, LineProcessOptions> = {
      node: { command: [process.execPath, ...NODE_FLAGS, 'dist/src/main.js'] },
      // Its own process group, so that stopping npm also stops the node process it started.
      npmStart: { command: ['npm', 'start', '--silent'], group: true },
    };
    for (let i = 0; i < (short ? 1 : 5); i++) {
      for (const [name, options] of Object.entries(starts)) {
        const port = await freePort();
        const t0 = performance.now();
        const child = await start(
          { PORT: String(port), REDIS_URL: redisServer.url, TWILIO_AUTH_TOKEN: TOKEN, PUBLIC_BASE_URL: `http://127.0.0.1:${port}` },
          { ...options, ready: '/readyz' },
        );
        startup[name]!.push(Math.round(performance.now() - t0));
        await child.stop('SIGTERM');
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    results.startupMs = { node: median(startup.node!), npmStart: median(startup.npmStart!), runs: startup };

    // The line and the ceiling under the same closed-loop load, in alternating rounds.
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    /**
     * The webhooks' public URL, as Twilio's is in production: https and no port (a proxy ahead of the line), each
     * request sent on to `base`. With a port in it, the twilio package's check first tries the URL without the port:
     * a second HMAC (7.6 against 3.9 µs a check) that a production line never computes.
     */
    const PUBLIC = 'https://line.bench.test';
    const toLine = (url: string) => url.replace(PUBLIC, base);
    const line = await start(
      {
        PORT: String(port),
        REDIS_URL: redisServer.url,
        TWILIO_AUTH_TOKEN: TOKEN,
        PUBLIC_BASE_URL: PUBLIC,
        LOG_LEVEL: 'info',
        // Keys only: the line as before spoken answers (no hints, no speech turns), for comparison.
        ...(values['keys-only'] ? { SPEECH_INPUT: 'off' } : {}),
        // The flow's insights are on as shipped (each instance writes its counts once a second); off, for comparison.
        ...(values['insights-off'] ? { INSIGHTS_RETENTION_DAYS: '0' } : {}),
        ...(deskPages > 0 || signInFlood > 0 ? { DESK_USERS: await benchDeskUsers() } : {}),
        // A flood of sign-ins is checked against the shipped cost (scrypt N=2^15, r=8, p=3), from many addresses.
        ...(signInFlood > 0 ? { DESK_USERS: `bench:${await hashPassword(PASSWORD)}`, DESK_TRUST_PROXY: 'loopback' } : {}),
      },
      { command: [process.execPath, ...NODE_FLAGS, 'dist/src/main.js'], ready: '/readyz' },
    );
    children.push(line);
    // Desk pages held open through the closed and open loops: each transfer is written to every one of them.
    const pages = deskPages > 0 ? await openDeskPages(base, deskPages) : undefined;
    /** The ceiling's endpoint in a process of its own, and a client for it. */
    const startCeiling = async (env: Record<string, string>) => {
      // With the line's runtime flags: the same runtime on both sides.
      const child = await start(env, { command: [process.execPath, ...NODE_FLAGS, 'dist/bench/plain-server.js'] });
      children.push(child);
      return { child, client: new WebhookClient(`http://127.0.0.1:${child.port}`, TOKEN, concurrency * 2) };
    };
    const { child: plain, client: plainClient } = await startCeiling({});
    // The same endpoint served as the line is, for a like-for-like comparison (not the target's ceiling).
    const { child: same, client: sameClient } = await startCeiling({ LINE_SERVER: '1' });
    const client = new WebhookClient(PUBLIC, TOKEN, concurrency * 2, toLine);
    // Warm-up, each side loaded without a pause: connections, and V8 optimizing code as it runs (the line's many
    // paths take longer than the ceiling's one). Warming up in short turns instead leaves each side idle between
    // them, which is no warm-up for the line: its heap shrinks while idle and grows back under load. The warm-up's
    // own rates, in 2 s windows, are kept in the report to show where they settled.
    const lineWarm = target(client, line.pid);
    const plainWarm = target(plainClient, plain.pid);
    const sameWarm = target(sameClient, same.pid);
    const warmSeconds = short ? 0.5 : WARM_UP_SECONDS;
    const warmWindow = short ? 0.5 : 2;
    for (const t of [lineWarm, plainWarm, sameWarm]) await alternate([t], Math.round(warmSeconds / warmWindow), warmSeconds, concurrency);
    results.warmUp = { secondsEach: warmSeconds, lineWebhooksPerSecond: lineWarm.rounds, ceilingWebhooksPerSecond: plainWarm.rounds };
    const lineTarget = target(client, line.pid);
    const plainTarget = target(plainClient, plain.pid);
    const sameTarget = target(sameClient, same.pid);
    const commandsBefore = await commandCount(redis);
    const tripsBefore = await roundTrips(line.metricsPort);
    await alternate([lineTarget, plainTarget, sameTarget], rounds, duration, concurrency);
    const commandsAfter = await commandCount(redis);
    const tripsAfter = await roundTrips(line.metricsPort);
    const closed = summarizeTarget(lineTarget);
    const ceiling = summarizeTarget(plainTarget);
    const sameCeiling = summarizeTarget(sameTarget);
    sameClient.close();
    await same.stop('SIGTERM');
    results.ceilingServedAsTheLine = sameCeiling;
    results.throughputRatioServedAlike = Math.round((closed.webhooksPerSecond / sameCeiling.webhooksPerSecond) * 1000) / 1000;
    // Counted over every webhook of the rounds, tails included, as the commands and round trips are.
    const allWebhooks = lineTarget.recorder.webhooks;
    closed.redisCommandsPerWebhook = Math.round(((commandsAfter - commandsBefore) / allWebhooks) * 100) / 100;
    closed.storeRoundTripsPerWebhook = Math.round(((tripsAfter - tripsBefore) / allWebhooks) * 100) / 100;
    results.closedLoop = { concurrency, ...closed };
    results.ceiling = ceiling;
    results.throughputRatio = Math.round((closed.webhooksPerSecond / ceiling.webhooksPerSecond) * 1000) / 1000;
    const roundRatios = lineTarget.rounds.map((r, i) => Math.round((r / plainTarget.rounds[i]!) * 1000) / 1000);
    results.throughputRatioByRound = roundRatios;
    results.cpuRatio = Math.round((ceiling.serverCpuMicrosPerWebhook / closed.serverCpuMicrosPerWebhook) * 1000) / 1000;

    const webhooksPerCall = lineTarget.recorder.webhooks / Math.max(1, lineTarget.recorder.calls);
    const halfRateCalls = closed.webhooksPerSecond / 2 / webhooksPerCall;
    const openWarmUp = short ? 0.5 : OPEN_WARM_UP_SECONDS;
    const openLine = await openLoop(client, line.pid, duration, Math.max(1, Math.round(halfRateCalls)), openWarmUp);
    results.openLoop = openLine;
    if (signInFlood > 0) {
      // The same open loop again, while the flood of sign-ins runs in a process of its own.
      const flood = await startSignInFlood(base, signInFlood);
      const during = await openLoop(client, line.pid, duration, openLine.targetCallsPerSecond, openWarmUp);
      results.signInFlood = { perSecond: signInFlood, openLoop: during, flood: await flood.close() };
    }
    client.close();
    if (pages !== undefined) results.deskPages = await pages.close();
    // For comparison, not a target: the ceiling at the same webhook rate (its calls are longer, so fewer of them).
    const ceilingWebhooksPerCall = plainTarget.recorder.webhooks / Math.max(1, plainTarget.recorder.calls);
    const ceilingCalls = Math.max(1, Math.round(openLine.webhooksPerSecond / ceilingWebhooksPerCall));
    results.openLoopCeiling = await openLoop(plainClient, plain.pid, duration, ceilingCalls, openWarmUp);
    plainClient.close();
    await plain.stop('SIGTERM');

    // Redis memory per live call: calls left in progress after a few turns.
    await redis.flushall();
    const baseline = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
    const memoryClient = new WebhookClient(PUBLIC, TOKEN, 16, toLine);
    const live: string[] = [];
    for (let i = 0; i < callsInMemory; i += 16) {
      await Promise.all(
        Array.from({ length: Math.min(16, callsInMemory - i) }, async () => {
          const sid = `CA${(Math.random().toString(16) + '0'.repeat(32)).slice(2, 34)}`;
          const common = { CallSid: sid, From: '+16045550123', To: '+16045550100' };
          await memoryClient.post(`${PUBLIC}/voice`, common);
          await memoryClient.post(`${PUBLIC}/voice/input?t=1`, { ...common, Digits: '3' });
          await memoryClient.post(`${PUBLIC}/voice/input?t=2`, { ...common, Digits: '2' });
          live.push(sid);
        }),
      );
    }
    memoryClient.close();
    const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
    const keys = await redis.dbsize();
    const sample = await redis.scan('0', 'COUNT', 50);
    const usages = await Promise.all(sample[1].map((k) => redis.memory('USAGE', k)));
    results.redisMemory = {
      liveCalls: live.length,
      keys,
      bytesPerLiveCall: Math.round((used - baseline) / live.length),
      memoryUsagePerKeySample: Math.round(usages.reduce((a: number, b) => a + Number(b ?? 0), 0) / Math.max(1, usages.length)),
    };
    await line.stop('SIGTERM');
  } finally {
    for (const c of children) await c.stop('SIGTERM');
    redis.disconnect();
    await redisServer.stop();
  }

  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    redis: spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim().split(' ')[2] ?? 'unknown',
    platform: `${os.type()} ${os.release()}`,
  };
  const line = { insights: !values['insights-off'], speech: !values['keys-only'] };
  const report = { date: new Date().toISOString(), short, durationSeconds: duration, rounds, machine, line, ...results };
  mkdirSync(values.out!, { recursive: true });
  const name = short ? 'short' : 'latest';
  writeFileSync(join(values.out!, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  if (!short) {
    // Every full run is kept, so that figures quoted from earlier runs can be checked.
    mkdirSync(join(values.out!, 'runs'), { recursive: true });
    writeFileSync(join(values.out!, 'runs', `${report.date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(report, null, 2)}\n`);
  }
  writeFileSync(join(values.out!, `${name}.md`), table(report));
  process.stdout.write(table(report));
  // An error on either side, the ceiling's included, would skew what is compared: the run fails.
  const phases = (['closedLoop', 'openLoop', 'ceiling', 'openLoopCeiling', 'ceilingServedAsTheLine'] as const).map(
    (name) => results[name] as PhaseResult,
  );
  if (phases.some((phase) => phase.errors > 0)) {
    process.stderr.write(`errors during the run: ${phases.flatMap((phase) => phase.errorSamples).join('; ')}\n`);
    process.exit(1);
  }
}

/** Lowest, median and highest of a few figures. */
function spread(xs: number[]): string {
  const sorted = [...xs].sort((a, b) => a - b);
  if (sorted.length < 3) return sorted.join(', ');
  return `lowest ${sorted[0]}, median ${sorted[Math.floor(sorted.length / 2)]}, highest ${sorted.at(-1)} in ${sorted.length}`;
}

interface FloodResult {
  perSecond: number;
  openLoop: OpenLoopResult;
  flood: FloodReport & { cpuPercent: number };
}

function floodLine(f: FloodResult, without: OpenLoopResult): string {
  const o = f.openLoop;
  return [
    `- Sign-in flood, ${f.perSecond} wrong sign-ins/s from 400 addresses (${f.flood.sent} sent; answers ${JSON.stringify(f.flood.statuses)}, p50 ${f.flood.latencyMs.p50} ms, p99 ${f.flood.latencyMs.p99} ms):`,
    `webhook p99 ${o.latencyMs.p99} ms (p50 ${o.latencyMs.p50}, max ${o.latencyMs.max}, ${o.errors} errors) at ${o.targetCallsPerSecond} calls/s (in each ${OPEN_WINDOW_SECONDS} s: ${o.p99MsByWindow.join(', ')} ms), against ${without.latencyMs.p99} ms without it;`,
    `server CPU ${o.serverCpuPercent}% against ${without.serverCpuPercent}% (the flood's own process: ${f.flood.cpuPercent}%); the agent's sign-ins every 2 s: from her browser ${JSON.stringify(f.flood.agentKnownBrowser)}, from a new one on the address she signed in from before ${JSON.stringify(f.flood.agentNewBrowser)}, from a new one on an address never seen ${JSON.stringify(f.flood.agentNewAddress)} (303: signed in).`,
  ].join(' ');
}

function table(report: Record<string, unknown>): string {
  const c = report.closedLoop as PhaseResult & { concurrency: number };
  const o = report.openLoop as OpenLoopResult;
  const p = report.ceiling as PhaseResult;
  const oc = report.openLoopCeiling as OpenLoopResult;
  const sc = report.ceilingServedAsTheLine as PhaseResult;
  const m = report.redisMemory as { bytesPerLiveCall: number; liveCalls: number };
  const s = report.startupMs as { node: number; npmStart: number };
  const machine = report.machine as Record<string, string | number>;
  const row = (name: string, r: PhaseResult) =>
    `| ${name} | ${r.webhooksPerSecond} | ${r.callsPerSecond} | ${r.latencyMs.p50} | ${r.latencyMs.p95} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${r.serverCpuPercent} | ${r.serverCpuMicrosPerWebhook} | ${r.serverRssMb} | ${r.errors} |`;
  return [
    `Benchmark of ${report.date} on ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GiB, Node ${machine.node}, Redis ${machine.redis}${report.short ? ' (short run: not for targets)' : ''}; ${report.durationSeconds} s per phase, the closed loop and the ceilings alternating in ${report.rounds} rounds after ${(report.warmUp as { secondsEach: number }).secondsEach} s of warm-up each. The line: flow insights ${(report.line as { insights: boolean }).insights ? 'on' : 'off'}, spoken answers ${(report.line as { speech: boolean }).speech ? 'on' : 'off'}.`,
    '',
    '| phase | webhooks/s | calls/s | p50 ms | p95 ms | p99 ms | max ms | server CPU % | server CPU µs/webhook | server RSS MB | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    row(`closed loop, ${c.concurrency} callers`, c),
    row(`open loop, ${o.targetCallsPerSecond} calls/s (half the maximum)`, o),
    row(`ceiling: plain express, ${c.concurrency} callers`, p),
    row(`ceiling: plain express, open loop at the line's webhook rate (${oc.targetCallsPerSecond} of its longer calls/s)`, oc),
    row(`for comparison: the same endpoint served as the line is, ${c.concurrency} callers`, sc),
    '',
    `- Throughput of whole-call webhooks: ${report.throughputRatio} of the plain express ceiling (round by round: ${spread(report.throughputRatioByRound as number[])}); server CPU per webhook, the ceiling's over the line's: ${report.cpuRatio}.`,
    `- The same endpoint served as the line is (requests built on express's own prototypes, see docs/performance.md): the line's throughput is ${report.throughputRatioServedAlike} of it.`,
    `- Open loop p99 of the calls started in each ${OPEN_WINDOW_SECONDS} s: ${o.p99MsByWindow.join(', ')} ms; before them, ${o.warmUp.seconds} s at the same rate, not counted (p99 ${o.warmUp.p99Ms} ms; the ceiling's: ${oc.warmUp.p99Ms} ms).`,
    `- Store round trips per webhook: ${c.storeRoundTripsPerWebhook} (Redis commands per webhook, those inside the compare-and-set script included: ${c.redisCommandsPerWebhook}).`,
    `- Redis memory per live call: ${m.bytesPerLiveCall} bytes (${m.liveCalls} calls in progress).`,
    `- Start to ready (/readyz 200): ${s.node} ms with node dist/src/main.js, ${s.npmStart} ms with npm start (median).`,
    ...(report.deskPages === undefined ? [] : [`- Desk pages open through the loops: ${JSON.stringify(report.deskPages)}.`]),
    ...(report.signInFlood === undefined ? [] : [floodLine(report.signInFlood as FloodResult, o)]),
    '',
  ].join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
