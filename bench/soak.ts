import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { NODE_FLAGS } from './node-flags';
import { startLineProcess, type LineProcess } from '../test/helpers/processes';
import { startRedis } from '../test/helpers/redis-server';
import { Recorder, simulatedCall, WebhookClient } from './driver';
import { processUsage } from './process-usage';

const USAGE = `Usage: npm run soak -- [--seconds S] [--concurrency N] [--instances K] [--out DIR]

Runs N simulated callers placing whole calls for S seconds against K line processes sharing one private
redis-server (each call's webhooks alternate between the processes). Samples each process's memory every few
seconds. Passes when there were no errors, no call is left in Redis once every call has ended, every key has a
time to live, and (for runs of a minute or more) memory did not grow by 20 MB or more over the second half. Figures go to
bench/results/soak.json.`;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '64' },
    instances: { type: 'string', default: '2' },
    out: { type: 'string', default: 'bench/results' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const instances = Number(values.instances);
const TOKEN = 'soak-auth-token';
const PUBLIC = 'http://line.soak.test';

async function main(): Promise<void> {
  const redisServer = await startRedis();
  const redis = new Redis(redisServer.url);
  const lines: { child: LineProcess; base: string }[] = [];
  let ok = false;
  try {
    for (let i = 0; i < instances; i++) {
      const child = await startLineProcess(
        { REDIS_URL: redisServer.url, TWILIO_AUTH_TOKEN: TOKEN, PUBLIC_BASE_URL: PUBLIC },
        { command: [process.execPath, ...NODE_FLAGS, 'dist/src/main.js'], ready: '/readyz', output: 'discard' },
      );
      lines.push({ child, base: `http://127.0.0.1:${child.port}` });
    }
    // Each request goes to the next process in turn: one call's webhooks alternate between instances.
    let turn = 0;
    const client = new WebhookClient(PUBLIC, TOKEN, concurrency, (url) => url.replace(PUBLIC, lines[turn++ % lines.length]!.base));
    const recorder = new Recorder();
    const samples: { second: number; rssMb: number[]; webhooks: number }[] = [];
    const started = Date.now();
    const end = started + seconds * 1000;
    const sampleEvery = Math.max(1, Math.min(10, Math.floor(seconds / 10)));
    const sampler = setInterval(() => {
      samples.push({
        second: Math.round((Date.now() - started) / 1000),
        rssMb: lines.map((l) => Math.round(processUsage(l.child.pid).rssMb * 10) / 10),
        webhooks: recorder.webhooks,
      });
    }, sampleEvery * 1000);
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) await simulatedCall(client, recorder);
      }),
    );
    clearInterval(sampler);
    // A call that ended keeps only the mark that it ended (field e); a live call still has its record (field d).
    const sessionKeys = await redis.keys('portal-line:*:session');
    let liveSessions = 0;
    for (const key of sessionKeys) if ((await redis.hexists(key, 'd')) === 1) liveSessions++;
    const keys = await redis.keys('portal-line:*');
    let withoutTtl = 0;
    for (const key of keys) if ((await redis.ttl(key)) < 0) withoutTtl++;
    // Memory: bounded caches fill and V8 sizes its heap during the first half; a leak keeps growing in the second.
    const warm = samples[Math.floor(samples.length / 2)] ?? samples[0];
    const last = samples.at(-1);
    const growthMb = warm && last ? last.rssMb.map((r, i) => Math.round((r - warm.rssMb[i]!) * 10) / 10) : [];
    const report = {
      date: new Date().toISOString(),
      seconds,
      concurrency,
      instances,
      calls: recorder.calls,
      webhooks: recorder.webhooks,
      errors: recorder.errors,
      errorSamples: recorder.errorSamples,
      sessionsLeftInRedis: liveSessions,
      keysWithoutTtl: withoutTtl,
      endedCallsRemembered: sessionKeys.length - liveSessions,
      summariesKept: keys.length - sessionKeys.length,
      rssGrowthOverSecondHalfMb: growthMb,
      samples,
    };
    // Under a minute, the heap is still finding its size: growth is reported, not judged.
    const memoryJudged = seconds >= 60;
    ok = recorder.errors === 0 && liveSessions === 0 && withoutTtl === 0 && (!memoryJudged || growthMb.every((g) => g < 20));
    mkdirSync(values.out!, { recursive: true });
    const name = seconds >= 120 ? 'soak' : 'soak-short';
    writeFileSync(join(values.out!, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(
      `soak: ${seconds} s, ${concurrency} callers, ${instances} instances: ${recorder.calls} calls, ${recorder.webhooks} webhooks, ${recorder.errors} errors; ` +
        `${liveSessions} sessions left, ${withoutTtl} keys without a time to live; RSS growth over the second half ${JSON.stringify(growthMb)} MB -> ${ok ? 'PASS' : 'FAIL'}\n`,
    );
    if (recorder.errors > 0) process.stderr.write(`errors: ${recorder.errorSamples.join('; ')}\n`);
  } finally {
    for (const l of lines) await l.child.stop('SIGTERM');
    redis.disconnect();
    await redisServer.stop();
  }
  process.exit(ok ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
