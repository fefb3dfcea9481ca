import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { NODE_FLAGS } from './node-flags';
import { startLineProcess, type LineProcess } from '../test/helpers/processes';
import { freePort, startRedis } from '../test/helpers/redis-server';
import { unboundedKeys } from '../test/helpers/bounded-keys';
import { startMessagesStandIn } from '../src/simulator/messages-stand-in';
import { Recorder, simulatedCall, WebhookClient } from './driver';
import { processUsage } from './process-usage';
import { benchDeskUsers, openDeskPages, type DeskPages, type DeskPagesReport } from './desk-pages';
import type { ProbeReading } from './memory-probe';
import { judgeMemory, sampleOf, type Judgement, type MemorySample } from './soak-judgement';
import { alternatingHours, callbacksInStore, openAt, SoakAgent, summed, textsInFlight } from './soak-features';

const USAGE = `Usage: npm run soak -- [--seconds S] [--concurrency N] [--instances K] [--pages P] [--warm-up W] [--out DIR] [--preload FILE] [--node-flag F]

Runs N simulated callers placing whole calls for S seconds against K line processes sharing one private
redis-server (each call's webhooks alternate between the processes), with every feature on: desk accounts, P live
desk pages on each process reading their event streams, desk hours that close every other minute, callbacks booked
and worked by an agent through the desk page's forms, text messages sent to a local stand-in for Twilio's Messages
API, spoken answers beside keys. Each process runs with --expose-gc and a memory probe (bench/memory-probe.ts) that
reports its memory after a full collection every few seconds.

Passes when there were no errors, no call is left in Redis once every call has ended, every key has a time to live
(or is one of BullMQ's bounded keys), every callback booked and every text queued is accounted for, the desk pages
stayed connected, and (for runs of 30 s or more) neither the heap after a collection nor memory outside the heap
grew over the second half beyond the bounds of bench/soak-judgement.ts. Resident memory is reported, not judged.
Figures go to DIR/soak.json (soak-short.json under 120 s).

  --warm-up W      place calls for W seconds before the S measured (default 0): the line's bounded caches (the
                   5,000 calls each instance remembers, about a minute of a short run's calls) fill before memory is
                   read, so that a short run judges memory as a long one does
  --preload FILE   also preload FILE into the line processes (the test of the judgement loads a deliberate leak)
  --node-flag F    run the line processes with node flag F besides npm start's (to compare runtime settings, such as
                   --node-flag=--heap-growing-percent=20)`;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '64' },
    instances: { type: 'string', default: '2' },
    pages: { type: 'string', default: '4' },
    'warm-up': { type: 'string', default: '0' },
    out: { type: 'string', default: 'bench/results' },
    preload: { type: 'string', multiple: true, default: [] },
    'node-flag': { type: 'string', multiple: true, default: [] },
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
const pagesPerInstance = Number(values.pages);
const warmUp = Number(values['warm-up']);
const TOKEN = 'soak-auth-token';
const PUBLIC = 'http://line.soak.test';
const PREFIX = 'portal-line';
/** The account the simulated calls come from (the simulator's), so that the line's account check lets them in. */
const ACCOUNT = `AC${'0'.repeat(32)}`;
/** Callers from 40,000 numbers of four Canadian area codes: one open callback per number, texts a day per number. */
const AREAS = ['204', '416', '514', '613'];
const callerNumber = () =>
  `+1${AREAS[Math.floor(Math.random() * AREAS.length)]!}555${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
/** Readings every second in short runs, every 10 s in the default 300 s: 15 or more in each second half. */
const sampleEvery = seconds <= 60 ? 1 : Math.max(1, Math.min(10, Math.floor(seconds / 30)));
/** How long the texts queued may take to be sent once the calls have ended. */
const DRAIN_MS = 60_000;

interface Line {
  child: LineProcess;
  base: string;
  probe: string;
  metrics: string;
}

async function probe(line: Line): Promise<ProbeReading> {
  const res = await fetch(line.probe);
  if (res.status !== 200) throw new Error(`memory probe answered ${res.status}`);
  return (await res.json()) as ProbeReading;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const redisServer = await startRedis();
  const redis = new Redis(redisServer.url);
  let textsReceived = 0;
  const standIn = await startMessagesStandIn(() => textsReceived++);
  const lines: Line[] = [];
  const pages: DeskPages[] = [];
  const agents: SoakAgent[] = [];
  let ok = false;
  try {
    const agentNames = Array.from({ length: instances }, (_, i) => `agent${i + 1}`);
    const deskUsers = await benchDeskUsers(['bench', ...agentNames]);
    const start = new Date();
    // The hours cover the processes' start and the drain after the calls too.
    const hours = alternatingHours(start, warmUp + seconds + 120);
    const preloads = values.preload!.flatMap((file) => ['--require', resolve(file)]);
    for (let i = 0; i < instances; i++) {
      const probePort = await freePort();
      const child = await startLineProcess(
        {
          REDIS_URL: redisServer.url,
          REDIS_KEY_PREFIX: PREFIX,
          TWILIO_AUTH_TOKEN: TOKEN,
          PUBLIC_BASE_URL: PUBLIC,
          TWILIO_ACCOUNT_SID: ACCOUNT,
          DESK_USERS: deskUsers,
          BSD_HOURS: hours,
          BSD_TIMEZONE: 'UTC',
          TWILIO_MESSAGING_FROM: '+15555550100',
          TWILIO_API_URL: standIn.url,
          // The limits at their highest: the soak's callers are many numbers calling many times a minute.
          SMS_DAILY_LIMIT: '100',
          SMS_HOURLY_LIMIT: '10000',
          SMS_PREFIX_HOURLY_LIMIT: '10000',
          CALLBACK_HOURLY_LIMIT: '10000',
          MEMORY_PROBE_PORT: String(probePort),
        },
        {
          command: [
            process.execPath,
            '--expose-gc',
            '--require',
            join(__dirname, 'memory-probe.js'),
            ...preloads,
            ...NODE_FLAGS,
            ...values['node-flag']!,
            'dist/src/main.js',
          ],
          ready: '/readyz',
          output: 'discard',
        },
      );
      lines.push({
        child,
        base: `http://127.0.0.1:${child.port}`,
        probe: `http://127.0.0.1:${probePort}/`,
        metrics: `http://127.0.0.1:${child.metricsPort}/metrics`,
      });
    }
    for (const [i, line] of lines.entries()) {
      if (pagesPerInstance > 0) pages.push(await openDeskPages(line.base, pagesPerInstance));
      const agent = await SoakAgent.signIn(line.base, agentNames[i]);
      agent.start(1000);
      agents.push(agent);
    }
    // Each request goes to the next process in turn: one call's webhooks alternate between instances.
    let turn = 0;
    const client = new WebhookClient(PUBLIC, TOKEN, concurrency, (url) => url.replace(PUBLIC, lines[turn++ % lines.length]!.base));
    const recorder = new Recorder();
    const memory: MemorySample[][] = lines.map(() => []);
    const progress: { second: number; webhooks: number; deskOpen: boolean; gcMs: number[]; cpuSeconds: number[] }[] = [];
    // The calls begin with the warm-up; memory is read, and seconds counted, from its end.
    const started = Date.now() + warmUp * 1000;
    const end = started + seconds * 1000;
    let sampling = true;
    const sampler = (async () => {
      for (let next = started + sampleEvery * 1000; sampling; next += sampleEvery * 1000) {
        await sleep(Math.max(0, next - Date.now()));
        if (!sampling) break;
        const second = Math.round((Date.now() - started) / 100) / 10;
        const readings = await Promise.all(lines.map(probe));
        readings.forEach((r, i) => memory[i]!.push(sampleOf(second, r)));
        progress.push({
          second,
          webhooks: recorder.webhooks,
          deskOpen: openAt(start, new Date()),
          gcMs: readings.map((r) => Math.round(r.gcMs)),
          cpuSeconds: lines.map((l) => Math.round(processUsage(l.child.pid).cpuSeconds * 10) / 10),
        });
      }
    })();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) await simulatedCall(client, recorder, 21, callerNumber());
      }),
    );
    sampling = false;
    await sampler;
    const callsSeconds = (Date.now() - started) / 1000;

    // The texts queued are sent once the calls end (the worker sends 4 at a time); the agents work what is open.
    const drainStarted = Date.now();
    while ((await textsInFlight(redis, PREFIX)) > 0 && Date.now() - drainStarted < DRAIN_MS) await sleep(250);
    const textsLeft = await textsInFlight(redis, PREFIX);
    await sleep(1500);
    for (const agent of agents) await agent.stop();
    const pagesReports: DeskPagesReport[] = [];
    for (const p of pages.splice(0)) pagesReports.push(await p.close());

    // A call that ended keeps only the mark that it ended (field e); a live call still has its record (field d).
    const sessionKeys = await redis.keys(`${PREFIX}:*:session`);
    let liveSessions = 0;
    for (const key of sessionKeys) if ((await redis.hexists(key, 'd')) === 1) liveSessions++;
    const unbounded = await unboundedKeys(redis, PREFIX);

    // Every callback booked is in the store: open, claimed, or closed by an agent; or withdrawn (its caller was not
    // told it is booked), which the line counts.
    const metricsTexts = await Promise.all(lines.map(async (l) => (await fetch(l.metrics)).text()));
    const callbackEvents = summed(metricsTexts, 'portal_line_callbacks_total', 'event', [
      'asked',
      'done',
      'not-reached',
      'expired',
      'withdrawn',
      'withdraw-dropped',
    ] as const);
    const notBooked = summed(metricsTexts, 'portal_line_callbacks_not_booked_total', 'reason', [
      'not-a-number',
      'invalid',
      'country',
      'type',
      'own',
      'open',
      'line',
    ]);
    const store = await callbacksInStore(redis, PREFIX);
    const inStore = (status: string) => store.byStatus[status] ?? 0;
    const agentsClosed = agents.reduce((sum, a) => sum + a.closed.done + a.closed['not-reached'], 0);
    const callbacks = {
      booked: callbackEvents.asked!,
      open: inStore('open'),
      claimed: inStore('claimed'),
      closedByAgents: agentsClosed,
      closedInStore: inStore('done') + inStore('not-reached'),
      withdrawn: callbackEvents.withdrawn!,
      expired: callbackEvents.expired!,
      openList: store.openList,
      claimsRefused: agents.reduce((sum, a) => sum + a.refusals, 0),
      notBooked,
    };
    const callbacksAccounted =
      callbacks.booked === callbacks.open + callbacks.claimed + callbacks.closedInStore + callbacks.withdrawn &&
      callbacks.closedInStore === agentsClosed &&
      callbackEvents.done! + callbackEvents['not-reached']! === agentsClosed &&
      callbacks.openList === callbacks.open + callbacks.claimed;

    // Every text queued reached the stand-in, or ended in BullMQ's failed list (refused by Twilio, perhaps sent,
    // out of tries); none is still waiting. Texts the line would not queue (a limit, a cap) are counted apart.
    const textEvents = summed(metricsTexts, 'portal_line_text_messages_total', 'event', [
      'queued',
      'sent',
      'refused',
      'limited',
      'failed',
      'unknown',
      'withdrawn',
    ]);
    const failedForGood = await redis.zcard(`${PREFIX}:{sms}:text-messages:failed`);
    const texts = {
      queued: textEvents.queued!,
      reachedStandIn: textsReceived,
      sentByTheLine: textEvents.sent!,
      failedForGood,
      stillWaiting: textsLeft,
      events: textEvents,
      notSent: summed(metricsTexts, 'portal_line_text_messages_not_sent_total', 'reason', [
        'not-a-number',
        'invalid',
        'country',
        'type',
        'own',
        'line',
        'prefix',
      ]),
    };
    const textsAccounted = textsLeft === 0 && textsReceived === texts.sentByTheLine && texts.queued === texts.sentByTheLine + failedForGood;

    const judgements: Judgement[] = memory.map((samples) => judgeMemory(samples, seconds));
    const pagesDropped = pagesReports.reduce((sum, p) => sum + p.dropped, 0);
    const agentErrors = agents.reduce((sum, a) => sum + a.errors, 0);
    const failures = [
      ...(recorder.errors > 0 ? [`${recorder.errors} errors`] : []),
      ...(liveSessions > 0 ? [`${liveSessions} sessions left`] : []),
      ...(unbounded.length > 0 ? [`${unbounded.length} keys without a time to live`] : []),
      ...(callbacksAccounted ? [] : ['callbacks not accounted for']),
      ...(textsAccounted ? [] : ['texts not accounted for']),
      ...(pagesDropped > 0 ? [`${pagesDropped} desk pages dropped`] : []),
      ...(agentErrors > 0 ? [`${agentErrors} agent errors: ${agents.flatMap((a) => a.errorSamples).join('; ')}`] : []),
      ...judgements.flatMap((j, i) => j.reasons.filter(() => !j.ok).map((r) => `instance ${i + 1}: ${r}`)),
    ];
    ok = failures.length === 0;
    const report = {
      date: new Date().toISOString(),
      seconds,
      warmUpSeconds: warmUp,
      callsSeconds: Math.round(callsSeconds * 10) / 10,
      concurrency,
      instances,
      preload: values.preload,
      nodeFlags: [...NODE_FLAGS, ...values['node-flag']!],
      deskHours: hours,
      ok,
      failures,
      calls: recorder.calls,
      webhooks: recorder.webhooks,
      steps: recorder.steps,
      errors: recorder.errors,
      errorSamples: recorder.errorSamples,
      sessionsLeftInRedis: liveSessions,
      keysWithoutTtl: unbounded,
      endedCallsRemembered: sessionKeys.length - liveSessions,
      callbacks,
      callbacksAccounted,
      texts,
      textsAccounted,
      deskPages: pagesReports,
      agents: agents.map((a) => ({ claimed: a.claimed, closed: a.closed, refusals: a.refusals, refusalSamples: a.refusalSamples })),
      memory: judgements,
      progress,
      samples: memory,
    };
    mkdirSync(values.out!, { recursive: true });
    const name = seconds >= 120 ? 'soak' : 'soak-short';
    writeFileSync(join(values.out!, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
    const mem = judgements
      .map(
        (j, i) =>
          `instance ${i + 1}: heap after GC ${j.heapGrowthMb >= 0 ? '+' : ''}${j.heapGrowthMb} MB, outside the heap ${j.offHeapGrowthMb >= 0 ? '+' : ''}${j.offHeapGrowthMb} MB, external ${j.externalGrowthMb >= 0 ? '+' : ''}${j.externalGrowthMb} MB, RSS ${j.rssGrowthMb >= 0 ? '+' : ''}${j.rssGrowthMb} MB (not judged)${j.judged ? '' : ' [memory not judged: run under 30 s]'}`,
      )
      .join('\n  ');
    process.stdout.write(
      `soak: ${seconds} s, ${concurrency} callers, ${instances} instances: ${recorder.calls} calls, ${recorder.webhooks} webhooks (${recorder.steps.speech} spoken answers, ${recorder.steps.key} keys), ${recorder.errors} errors; ` +
        `${liveSessions} sessions left, ${unbounded.length} keys without a time to live\n` +
        `  callbacks: ${callbacks.booked} booked = ${callbacks.open} open + ${callbacks.claimed} claimed + ${callbacks.closedInStore} closed by agents (${agentsClosed} counted by them) + ${callbacks.withdrawn} withdrawn -> ${callbacksAccounted ? 'accounted' : 'NOT ACCOUNTED'}\n` +
        `  texts: ${texts.queued} queued = ${texts.sentByTheLine} sent (${textsReceived} reached the stand-in) + ${failedForGood} failed for good, ${textsLeft} still waiting -> ${textsAccounted ? 'accounted' : 'NOT ACCOUNTED'}\n` +
        `  desk pages: ${pagesReports.map((p) => `${p.pages} pages, ${p.transfersPerPage.lowest}-${p.transfersPerPage.highest} transfers each, ${p.dropped} dropped`).join('; ')}\n` +
        `  memory over the second half (${judgements[0]?.window.from ?? 0}-${judgements[0]?.window.to ?? 0} s): ${mem}\n` +
        `-> ${ok ? 'PASS' : `FAIL: ${failures.join('; ')}`}\n`,
    );
    if (recorder.errors > 0) process.stderr.write(`errors: ${recorder.errorSamples.join('; ')}\n`);
  } finally {
    for (const agent of agents) await agent.stop().catch(() => undefined);
    for (const p of pages) await p.close().catch(() => undefined);
    for (const l of lines) await l.child.stop('SIGTERM');
    await standIn.close();
    redis.disconnect();
    await redisServer.stop();
  }
  process.exit(ok ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
