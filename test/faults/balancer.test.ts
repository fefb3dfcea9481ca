import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchTransport, formatTranscript, parseSteps, placeCall, scripted, simulatedCallSid } from '../../src/simulator/caller';
import { AUTH_TOKEN, startLineProcess, type LineProcess } from '../helpers/processes';
import { freePort, startRedis, type RedisProcess } from '../helpers/redis-server';
import { announcementOf, documentedCall, documentedCallFiles, TRANSCRIPT_WIDTH } from '../helpers/transcripts';

/**
 * The HAProxy configuration shipped in infra/compose, run as it is (only its addresses changed) in front of two
 * line processes on one Redis: it is valid, every call's webhooks reach one instance, so each takes one round
 * trip, and calls spread over both instances.
 */
jest.setTimeout(90_000);
const PUBLIC = 'https://line.example.test';

function haproxyConfig(frontendPort: number, linePorts: number[]): string {
  const shipped = readFileSync('infra/compose/haproxy.cfg', 'utf8');
  const local = shipped
    .replace(/^(\s*bind\s+)\S+/m, `$1127.0.0.1:${frontendPort}`)
    .replace(/^(\s*server line-1 )line-1:3000/m, `$1127.0.0.1:${linePorts[0]}`)
    .replace(/^(\s*server line-2 )line-2:3000/m, `$1127.0.0.1:${linePorts[1]}`);
  if (!local.includes(`127.0.0.1:${linePorts[1]}`)) throw new Error('infra/compose/haproxy.cfg no longer names line-1 and line-2');
  return local;
}

let redis: RedisProcess;
let lines: LineProcess[];
let haproxy: ChildProcess;
let dir: string;
let front: string;

beforeAll(async () => {
  if (spawnSync('haproxy', ['-v']).error !== undefined)
    throw new Error('haproxy is missing: install it (apt-get install haproxy; .ci/run does) to run the balancer test');
  redis = await startRedis();
  lines = await Promise.all([0, 1].map(() => startLineProcess({ REDIS_URL: redis.url, PUBLIC_BASE_URL: PUBLIC })));
  const port = await freePort();
  front = `http://127.0.0.1:${port}`;
  dir = mkdtempSync(join(tmpdir(), 'portal-line-haproxy-'));
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    haproxyConfig(
      port,
      lines.map((l) => l.port),
    ),
  );
  const check = spawnSync('haproxy', ['-c', '-f', join(dir, 'haproxy.cfg')], { encoding: 'utf8' });
  expect({ status: check.status, output: check.status === 0 ? '' : check.stdout + check.stderr }).toEqual({ status: 0, output: '' });
  haproxy = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  haproxy.stderr!.on('data', (d) => (errors += String(d)));
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`${front}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (haproxy.exitCode !== null) throw new Error(`haproxy exited with ${haproxy.exitCode}:\n${errors}`);
    if (Date.now() > deadline) throw new Error(`haproxy did not answer within 15 s:\n${errors}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});
afterAll(async () => {
  if (haproxy !== undefined && haproxy.exitCode === null) {
    const exited = new Promise((r) => haproxy.once('exit', r));
    haproxy.kill('SIGTERM');
    await exited;
  }
  for (const line of lines ?? []) await line.stop();
  await redis?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const throughBalancer = fetchTransport((url) => url.replace(PUBLIC, front));

async function metricsOf(line: LineProcess): Promise<{ webhooks: number; trips: Record<string, number> }> {
  const text = await (await fetch(`http://127.0.0.1:${line.metricsPort}/metrics`)).text();
  const webhooks = [...text.matchAll(/^portal_line_webhooks_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  const trips = Object.fromEntries(
    [...text.matchAll(/^portal_line_store_round_trips_total\{operation="(\w+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]),
  );
  return { webhooks, trips };
}

test('through the shipped balancer, calls spread over both instances and every webhook takes one round trip', async () => {
  // The documented calls again and again, each with its own CallSid.
  // The calls that hear the desk's announcement are played with one on elsewhere (many-instances.test.ts).
  const files = documentedCallFiles().filter((f) => announcementOf(documentedCall(f).command) === undefined);
  let calls = 0;
  for (let i = 0; i < 24; i++) {
    const { keys } = documentedCall(files[i % files.length]!);
    const result = await placeCall({
      baseUrl: PUBLIC,
      authToken: AUTH_TOKEN,
      transport: throughBalancer,
      next: scripted(parseSteps(keys)),
      callSid: simulatedCallSid(`balancer-${i}`),
    });
    expect(result.errors).toEqual([]);
    calls++;
  }
  const [a, b] = await Promise.all(lines.map(metricsOf));
  expect(a!.webhooks).toBeGreaterThan(0);
  expect(b!.webhooks).toBeGreaterThan(0);
  // No load at all: each call's webhooks reached the instance that holds it.
  for (const m of [a!, b!]) expect(m.trips.load ?? 0).toBe(0);
  const trips = (m: { trips: Record<string, number> }) => Object.values(m.trips).reduce((x, y) => x + y, 0);
  expect(trips(a!) + trips(b!)).toBeLessThanOrEqual(a!.webhooks + b!.webhooks);
  expect(calls).toBe(24);
});

test('a documented call through the balancer gives its documented transcript', async () => {
  const { keys, body } = documentedCall('desk-busy-retry.txt');
  const result = await placeCall({
    baseUrl: PUBLIC,
    authToken: AUTH_TOKEN,
    transport: throughBalancer,
    next: scripted(parseSteps(keys)),
    callSid: simulatedCallSid('portal-line-demo'),
  });
  expect(result.errors).toEqual([]);
  expect(formatTranscript(result.transcript, TRANSCRIPT_WIDTH)).toBe(body);
});
