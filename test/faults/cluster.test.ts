import { Redis } from 'ioredis';
import request from 'supertest';
import { formatTranscript, simulatedCallSid } from '../../src/simulator/caller';
import { RedisDeskStore } from '../../src/backend/redis/desk-store';
import { MemoryDeskStore } from '../../src/backend/memory/desk-store';
import { SignIns } from '../../src/desk/sign-in/sign-in';
import { SignInLimits } from '../../src/desk/sign-in/sign-in-limits';
import { RedisStore } from '../../src/backend/redis/session-store';
import { redisBackend } from '../../src/backend/redis';
import type { SessionStore } from '../../src/store/session-store';
import type { Backend } from '../../src/backend/backend';
import { productionBackend, startLine, type TestLine } from '../helpers/line';
import { startCluster, type ClusterSetup } from '../helpers/redis-topologies';
import { localAnnouncement } from '../../src/announcement/announcement';
import { announcementOf, asDocumented, documentedCall, documentedCallFiles, TRANSCRIPT_WIDTH } from '../helpers/transcripts';

/** Redis Cluster, three primaries: every documented call, and one call's keys always in one slot. */
jest.setTimeout(90_000);

let cluster: ClusterSetup;
let backend: Backend;
let store: SessionStore;
let line: TestLine;
beforeAll(async () => {
  cluster = await startCluster();
  backend = productionBackend({ REDIS_CLUSTER_NODES: cluster.spec });
  store = backend.calls;
  line = await startLine({ backend });
  const deadline = Date.now() + 10_000;
  while ((await request(line.app).get('/readyz')).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
});
afterAll(async () => {
  await backend?.close();
  await cluster?.stop();
});

// A call with --closed needs the line's clock set on a Friday evening, which only a line in the test's process has.
const inProcessOnly = (file: string) => / --closed\b/.test(documentedCall(file).command);
test.each(documentedCallFiles().filter((f) => !inProcessOnly(f)))('%s on the cluster', async (file) => {
  const { command, keys, body } = documentedCall(file);
  // A CallSid of its own (an ended call stays ended); the transcript is read with the documented call's reference.
  const sid = simulatedCallSid(`portal-line-demo-${file}`);
  // The desk's announcement, where the call hears one: kept on the cluster, and taken off after the call.
  const announced = announcementOf(command);
  if (announced !== undefined) {
    await backend.announcements.put(localAnnouncement(announced.text, announced.then));
    await line.line.announcements.refresh();
  }
  const result = await line.call(keys, sid).finally(async () => {
    if (announced === undefined) return;
    await backend.announcements.clear();
    await line.line.announcements.refresh();
  });
  expect(result.errors).toEqual([]);
  expect(asDocumented(formatTranscript(result.transcript, TRANSCRIPT_WIDTH), sid)).toBe(body);
});

test("one call's keys share a slot; calls spread over the primaries; every key has a time to live", async () => {
  for (let i = 0; i < 60; i++) {
    const sid = simulatedCallSid(`spread-${i}`);
    await line.post('/voice', { CallSid: sid }).expect(200);
    if (i % 2 === 0) await line.post('/voice/status', { CallSid: sid, CallStatus: 'completed' }).expect(204);
  }
  const redisStore = store as RedisStore;
  const node = new Redis(cluster.nodes[0]!.port, '127.0.0.1');
  const sid = simulatedCallSid('spread-1');
  expect(await node.call('CLUSTER', 'KEYSLOT', redisStore.sessionKey(sid))).toBe(
    await node.call('CLUSTER', 'KEYSLOT', redisStore.summaryKey(sid)),
  );
  node.disconnect();
  let holding = 0;
  for (const n of cluster.nodes) {
    const client = new Redis(n.port, '127.0.0.1');
    const keys = await client.keys('portal-line:*');
    if (keys.length > 0) holding++;
    for (const k of keys) expect(await client.ttl(k)).toBeGreaterThan(0);
    client.disconnect();
  }
  expect(holding).toBe(3);
});

test("readiness writes its probe on the cluster (the key's own slot, {ready}): /readyz is 200", async () => {
  await request(line.app).get('/readyz').expect(200, { status: 'ready' });
});

test("the desk's store on the cluster: an event's writes, sent together, and its messages published to every node's subscribers", async () => {
  const { client, prefix } = store as RedisStore;
  const desk = new RedisDeskStore(client, prefix);
  const heard: string[] = [];
  desk.subscribe({ message: (m) => heard.push(m), resync: () => {} });
  await new Promise((r) => setTimeout(r, 300));
  const keep = { keep: 5, ttlSeconds: 60 };
  const event = JSON.stringify({ type: 'transfer', card: { callSid: 'CA1' } });
  // Issued in one turn, as the desk issues an event's writes: keys in different slots, on different nodes.
  const [result] = await Promise.all([
    desk.record('2026-12-01', { event, attemptOf: 'CA1', countOnce: { callSid: 'CA1', outcome: 'transferred:x' }, publish: event }, keep),
    desk.indexReference('123456', 'CA1', 60),
    desk.recordCall('CA1', event, keep),
    desk.keepCall('CA1', 120),
  ]);
  expect(result).toEqual({ attempt: 1, counts: { 'transferred:x': 1 } });
  expect(await desk.events('2026-12-01')).toEqual([event]);
  expect(await desk.callsWithReference('123456')).toEqual(['CA1']);
  expect(await desk.callEvents('CA1')).toEqual([event]);
  const deadline = Date.now() + 5000;
  while (heard.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(heard.map((m) => JSON.parse(m))).toEqual([
    { type: 'transfer', card: { callSid: 'CA1' }, attempt: 1 },
    { type: 'outcomes', day: '2026-12-01', counts: { 'transferred:x': 1 } },
  ]);
  await desk.close();
});

test('sign-in limits on the cluster: counted atomically, one key per limit, each with a time to live', async () => {
  const redisStore = store as RedisStore;
  const limits = new SignInLimits(redisBackend({ client: redisStore.client, prefix: redisStore.prefix, secret: 'cluster' }).limiter);
  let checks = 0;
  const signIns = new SignIns({
    store: new MemoryDeskStore(),
    users: [{ name: 'alice', hash: 'scrypt.10.8.1.AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' }],
    ttlSeconds: 60,
    secret: 'test-auth-token-0123456789abcdef',
    limits,
    slots: { slots: 32, reserved: 0, maxQueued: 32, maxWaitMs: 5000 },
    verify: async (password) => {
      checks++;
      await new Promise((r) => setTimeout(r, 20));
      return password === 'right';
    },
  });
  const results = await Promise.all(Array.from({ length: 16 }, (_, i) => signIns.attempt('alice', `guess ${i}`, '203.0.113.50')));
  expect(checks).toBe(5);
  expect(results.filter((r) => !r.ok && r.why === 'locked')).toHaveLength(11);
  expect(await signIns.attempt('alice', 'right', '203.0.113.51')).toMatchObject({ ok: true });
  for (const n of cluster.nodes) {
    const client = new Redis(n.port, '127.0.0.1');
    for (const k of await client.keys('portal-line:desk:sign-in:*')) expect(await client.ttl(k)).toBeGreaterThan(0);
    client.disconnect();
  }
});

test("the flow's insights are written on the cluster by one script, and read back", async () => {
  const day = new Date().toISOString().slice(0, 10);
  // What the tests above counted is written first, so that only these calls are between the two reads.
  await line.line.insights!.flush();
  const before = (await backend.insights.read('portal-login', [day]))[day]!;
  for (const keys of ['2,1', 'say:password,1', '0,answer']) expect((await line.call(keys)).errors).toEqual([]);
  // What the line counted is one script on the {insights} slot.
  await line.line.insights!.flush();
  const after = (await backend.insights.read('portal-login', [day]))[day]!;
  const added = (field: string) => (after[field] ?? 0) - (before[field] ?? 0);
  expect([added('calls'), added('choice|main-menu|2|key'), added('choice|main-menu|2|voice'), added('deskAsked|main-menu|key')]).toEqual([
    3, 1, 1, 1,
  ]);
  expect(await line.metrics()).not.toMatch(/portal_line_store_failures_total\{operation="insights",kind="\w+"\} [1-9]/);
});
