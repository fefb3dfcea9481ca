import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NODE_FLAGS } from './node-flags';
import { startLineProcess } from '../test/helpers/processes';
import { freePort, startRedis } from '../test/helpers/redis-server';
import { Recorder, simulatedCall, WebhookClient } from './driver';
import { benchDeskUsers, openDeskPages } from './desk-pages';

const USAGE = `Usage: npm run bench:profile -- [--duration S] [--concurrency N] [--desk-pages N] [--out DIR]

Runs the line (node --cpu-prof dist/src/main.js) on a private redis-server under the benchmark's closed loop, then
writes where its CPU time went: DIR/profile.md (self time by package and by function, time under the webhook
path's main steps) and DIR/profile.cpuprofile; with --desk-pages N, N desk pages are kept open through the run (each
told of every transfer), (open it in Chrome's DevTools or any .cpuprofile viewer). The
profiler slows the line down; read speed from npm run bench, and shares of time from this.`;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '32' },
    'desk-pages': { type: 'string', default: '0' },
    out: { type: 'string', default: 'bench/results' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const TOKEN = 'bench-auth-token';
const deskPages = Math.max(0, Number(values['desk-pages']));

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package a frame belongs to: an npm package, a file of the line's own, or Node and V8 themselves. */
function packageOf(frame: CallFrame): string {
  const npm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url);
  if (npm) return npm[1]!;
  const own = /\/(dist\/(?:src|bench)\/.*)\.js$/.exec(frame.url);
  if (own) return `line: ${own[1]!.replace(/^dist\//, '')}`;
  if (frame.url.startsWith('node:')) return 'node';
  return frame.functionName.startsWith('(') ? frame.functionName : 'node (native)';
}

const frameName = (f: CallFrame) =>
  `${f.functionName || '(anonymous)'} ${f.url.includes('node_modules/') ? f.url.replace(/.*node_modules\//, '') : f.url.replace(/.*\/dist\//, 'dist/')}:${f.lineNumber + 1}`;

/** Inclusive time under the first frames whose name starts with each prefix, so a step is counted once. */
function timeUnder(profile: CpuProfile, selfTime: Map<number, number>, prefixes: Record<string, string>): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  const walk = (id: number, inside: Set<string>) => {
    const node = byId.get(id)!;
    const name = frameName(node.callFrame);
    const entered = Object.entries(prefixes).filter(([label, prefix]) => !inside.has(label) && name.startsWith(prefix));
    const now = entered.length === 0 ? inside : new Set([...inside, ...entered.map(([label]) => label)]);
    const self = selfTime.get(id) ?? 0;
    for (const label of now) totals.set(label, (totals.get(label) ?? 0) + self);
    for (const child of node.children ?? []) walk(child, now);
  };
  walk(profile.nodes[0]!.id, new Set());
  return totals;
}

function summarize(profile: CpuProfile, webhooks: number): string {
  const selfTime = new Map<number, number>();
  profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const [id, micros] of selfTime) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    busy += micros;
    byPackage.set(packageOf(frame), (byPackage.get(packageOf(frame)) ?? 0) + micros);
    byFunction.set(frameName(frame), (byFunction.get(frameName(frame)) ?? 0) + micros);
  }
  const perWebhook = (micros: number) => (micros / webhooks).toFixed(1);
  const share = (micros: number) => ((micros / busy) * 100).toFixed(1);
  const rows = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, micros]) => `| ${name.replace(/\|/g, '\\|')} | ${share(micros)} | ${perWebhook(micros)} |`);
  const steps = timeUnder(profile, selfTime, {
    'express app and router, until the body is read': 'handle express/lib/application.js',
    'reading the form body (body-parser)': 'urlencodedParser body-parser/lib/types/urlencoded.js',
    'parsing the form body (qs)': 'parse body-parser/lib/types/urlencoded.js',
    'signature check': 'isSignedByTwilio dist/src/telephony/signature.js',
    'zod: webhook parameters': 'parseOr400 dist/src/http/webhook.js',
    'the turn: step, store, render': 'step dist/src/turn/call-turns.js',
    'xstate step (within the turn)': 'pureTransition dist/src/engine/pure-transition.js',
    'prompt (within the turn)': 'promptFor dist/src/engine/prompt.js',
    'TwiML rendering (within the turn)': 'renderPrompt dist/src/telephony/twiml.js',
    'ending a call (status callback)': 'summarizeAndEnd dist/src/turn/call-turns.js',
    'ioredis: sending commands': 'sendCommand ioredis/built/Redis.js',
    'ioredis: reading replies': 'returnReply ioredis/built/DataHandler.js',
    'HTTP answer: end (writeHead is apart)': 'end node:_http_outgoing',
    'HTTP answer: writeHead': 'writeHead node:_http_server',
    'log line (pino)': 'LOG pino/lib/tools.js',
    'garbage collector': '(garbage collector)',
  });
  return [
    `CPU profile of the line under the closed loop: ${webhooks} webhooks, ${(busy / 1e6).toFixed(1)} s of CPU on the main thread`,
    `(${perWebhook(busy)} µs per webhook under the profiler, which slows the line down: compare shares, not speeds).`,
    '',
    '| main steps (time under each) | % of CPU | µs per webhook |',
    '|---|---|---|',
    ...[...steps].sort((a, b) => b[1] - a[1]).map(([label, micros]) => `| ${label} | ${share(micros)} | ${perWebhook(micros)} |`),
    '',
    '| package (self time) | % of CPU | µs per webhook |',
    '|---|---|---|',
    ...rows(byPackage, 25),
    '',
    '| function (self time) | % of CPU | µs per webhook |',
    '|---|---|---|',
    ...rows(byFunction, 30),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const out = values.out!;
  const profileDir = join(out, 'profile.tmp');
  rmSync(profileDir, { recursive: true, force: true });
  mkdirSync(profileDir, { recursive: true });
  const redis = await startRedis();
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // The webhooks' public URL as in production and in npm run bench: https, no port, sent on to `base`.
    const PUBLIC = 'https://line.bench.test';
    const line = await startLineProcess(
      {
        PORT: String(port),
        REDIS_URL: redis.url,
        TWILIO_AUTH_TOKEN: TOKEN,
        PUBLIC_BASE_URL: PUBLIC,
        ...(deskPages > 0 ? { DESK_USERS: await benchDeskUsers() } : {}),
      },
      {
        command: [process.execPath, ...NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${profileDir}`, 'dist/src/main.js'],
        ready: '/readyz',
        output: 'discard',
      },
    );
    const pages = deskPages > 0 ? await openDeskPages(base, deskPages) : undefined;
    const client = new WebhookClient(PUBLIC, TOKEN, Number(values.concurrency) * 2, (url) => url.replace(PUBLIC, base));
    const recorder = new Recorder();
    const end = performance.now() + Number(values.duration) * 1000;
    await Promise.all(
      Array.from({ length: Number(values.concurrency) }, async () => {
        while (performance.now() < end) await simulatedCall(client, recorder);
      }),
    );
    client.close();
    await pages?.close();
    await line.stop('SIGTERM'); // the profile is written as the process exits
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error('the line wrote no profile');
    renameSync(join(profileDir, file), join(out, 'profile.cpuprofile'));
    const profile = JSON.parse(readFileSync(join(out, 'profile.cpuprofile'), 'utf8')) as CpuProfile;
    const report = summarize(profile, recorder.webhooks);
    writeFileSync(join(out, 'profile.md'), report);
    process.stdout.write(report);
    if (recorder.errors > 0) throw new Error(`errors during the run: ${recorder.errorSamples.join('; ')}`);
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:profile failed: ${(error as Error).message}\n`);
  process.exit(1);
});
