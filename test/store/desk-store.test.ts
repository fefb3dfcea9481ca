import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DeskSession, DeskStore } from '../../src/desk/desk-store';
import { MemoryDeskStore } from '../../src/backend/memory/desk-store';
import { RedisDeskStore } from '../../src/backend/redis/desk-store';
import { testRedisUrl } from '../helpers/line';
import { startRedis } from '../helpers/redis-server';

/** One contract for the desk's stores (src/desk/desk-store.ts), run on memory and on the private test Redis. */
interface Harness {
  store: DeskStore;
  /** Lets every time to live of 1 s run out. */
  expire(): Promise<void>;
  /** The time to live of every key the store holds, seconds (-1: none). */
  ttls(): Promise<number[]>;
  close(): Promise<void>;
}

const session = (user = 'alice'): DeskSession => ({ user, csrf: 'c'.repeat(43), createdAt: 1, expiresAt: Number.MAX_SAFE_INTEGER });
const KEEP = { keep: 3, ttlSeconds: 60 };

function deskStoreConformance(name: string, make: () => Promise<Harness>) {
  describe(`${name} (desk store contract)`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h.close();
    });

    test('a sign-in is kept until its time to live runs out, or until it is deleted', async () => {
      await h.store.putSession('a', session(), 1);
      await h.store.putSession('b', session('bob'), 60);
      expect(await h.store.getSession('a')).toEqual(session());
      expect(await h.store.getSession('nope')).toBeNull();
      await h.expire();
      expect(await h.store.getSession('a')).toBeNull();
      expect(await h.store.getSession('b')).toEqual(session('bob'));
      await h.store.deleteSession('b');
      expect(await h.store.getSession('b')).toBeNull();
    });

    test('a day keeps its newest events first, at most `keep` of them', async () => {
      for (const e of ['1', '2', '3', '4']) await h.store.record('2026-11-27', { event: e }, KEEP);
      expect(await h.store.events('2026-11-27')).toEqual(['4', '3', '2']);
      expect(await h.store.events('2026-11-28')).toEqual([]);
    });

    test('transfer attempts count per call; a call is counted once a day, under its first outcome', async () => {
      const first = await h.store.record('d', { attemptOf: 'CA1', countOnce: { callSid: 'CA1', outcome: 'transferred:x' } }, KEEP);
      expect(first).toEqual({ attempt: 1, counts: { 'transferred:x': 1 } });
      const again = await h.store.record('d', { attemptOf: 'CA1', countOnce: { callSid: 'CA1', outcome: 'hung-up' } }, KEEP);
      expect(again).toEqual({ attempt: 2, counts: null });
      expect(await h.store.record('d', { countOnce: { callSid: 'CA2', outcome: 'solved' } }, KEEP)).toEqual({
        attempt: null,
        counts: { 'transferred:x': 1, solved: 1 },
      });
      expect(await h.store.outcomes('d')).toEqual({ 'transferred:x': 1, solved: 1 });
      expect(await h.store.outcomes('other day')).toEqual({});
    });

    test('a reference lists its calls', async () => {
      await h.store.indexReference('123456', 'CA1', 60);
      await h.store.indexReference('123456', 'CA2', 1);
      await h.store.indexReference('654321', 'CA3', 60);
      expect((await h.store.callsWithReference('123456')).sort()).toEqual(['CA1', 'CA2']);
      expect(await h.store.callsWithReference('000000')).toEqual([]);
      // A shorter time to live never shortens the set's.
      await h.expire();
      expect((await h.store.callsWithReference('123456')).sort()).toEqual(['CA1', 'CA2']);
    });

    test('a call keeps its own events, newest first, at least as long as it is asked to', async () => {
      await h.store.keepCall('CA0', 60);
      expect(await h.store.callEvents('CA0')).toEqual([]);
      for (const e of ['1', '2', '3', '4']) await h.store.recordCall('CA1', e, { keep: 3, ttlSeconds: 1 });
      await h.store.recordCall('CA2', 'x', { keep: 3, ttlSeconds: 1 });
      expect(await h.store.callEvents('CA1')).toEqual(['4', '3', '2']);
      await h.store.keepCall('CA1', 60);
      // A shorter time to live never shortens a longer one.
      await h.store.recordCall('CA1', '5', { keep: 3, ttlSeconds: 1 });
      await h.store.keepCall('CA1', 1);
      await h.expire();
      expect(await h.store.callEvents('CA1')).toEqual(['5', '4', '3']);
      expect(await h.store.callEvents('CA2')).toEqual([]);
    });

    test('an event tried again (its first write may have landed) is recorded, counted and published once', async () => {
      const heard: string[] = [];
      h.store.subscribe({ message: (m) => heard.push(m), resync: () => {} });
      await new Promise((r) => setTimeout(r, 100));
      const transfer = {
        id: 'transfer:CA1:t',
        event: 'e1',
        attemptOf: 'CA1',
        countOnce: { callSid: 'CA1', outcome: 'x' },
        publish: '{"n":1}',
      };
      expect(await h.store.record('d', transfer, KEEP)).toEqual({ attempt: 1, counts: { x: 1 } });
      expect(await h.store.record('d', transfer, KEEP)).toEqual({ attempt: null, counts: null });
      // Another event of the same call is another id.
      expect(await h.store.record('d', { ...transfer, id: 'transfer:CA1:u', event: 'e2' }, KEEP)).toEqual({ attempt: 2, counts: null });
      expect(await h.store.events('d')).toEqual(['e2', 'e1']);
      await h.store.recordCall('CA1', 'e1', KEEP);
      await h.store.recordCall('CA1', 'e1', KEEP);
      await h.store.recordCall('CA1', 'e2', KEEP);
      expect(await h.store.callEvents('CA1')).toEqual(['e2', 'e1']);
      await waitFor(() => heard.length === 3);
      await new Promise((r) => setTimeout(r, 50));
      expect(heard.map((m) => JSON.parse(m) as unknown)).toEqual([
        { n: 1, attempt: 1 },
        { type: 'outcomes', day: 'd', counts: { x: 1 } },
        { n: 1, attempt: 2 },
      ]);
    });

    test('a published message reaches every subscriber; one that stopped hears nothing more', async () => {
      const heard: string[][] = [[], []];
      const stops = heard.map((list) => h.store.subscribe({ message: (m) => list.push(m), resync: () => {} }));
      // A Redis subscription takes a round trip to be in place.
      await new Promise((r) => setTimeout(r, 100));
      await h.store.publish('one');
      await waitFor(() => heard.every((l) => l.length === 1));
      stops[1]!();
      await h.store.publish('two');
      await waitFor(() => heard[0]!.length === 2);
      await new Promise((r) => setTimeout(r, 50));
      expect(heard).toEqual([['one', 'two'], ['one']]);
    });

    test('record publishes its message, with the attempt it counted, then the day counts when it counted the call', async () => {
      const heard: string[] = [];
      h.store.subscribe({ message: (m) => heard.push(m), resync: () => {} });
      await new Promise((r) => setTimeout(r, 100));
      const transfer = JSON.stringify({ type: 'transfer', card: { callSid: 'CA1', note: 'a "quoted" /slash/ é' } });
      await h.store.record(
        '2026-12-01',
        { attemptOf: 'CA1', countOnce: { callSid: 'CA1', outcome: 'transferred:x' }, publish: transfer },
        KEEP,
      );
      await h.store.record('2026-12-01', { attemptOf: 'CA1', publish: transfer }, KEEP);
      await h.store.record('2026-12-01', { countOnce: { callSid: 'CA2', outcome: 'solved' } }, KEEP);
      // Counted before: nothing published.
      await h.store.record('2026-12-01', { countOnce: { callSid: 'CA2', outcome: 'hung-up' } }, KEEP);
      await h.store.record('2026-12-01', { event: 'e', publish: '{"type":"dial"}' }, KEEP);
      // Not an object with fields: published as it is.
      await h.store.record('2026-12-01', { attemptOf: 'CA3', publish: '{}' }, KEEP);
      await waitFor(() => heard.length === 6);
      await new Promise((r) => setTimeout(r, 50));
      expect(heard.map((m) => JSON.parse(m))).toEqual([
        { type: 'transfer', card: { callSid: 'CA1', note: 'a "quoted" /slash/ é' }, attempt: 1 },
        { type: 'outcomes', day: '2026-12-01', counts: { 'transferred:x': 1 } },
        { type: 'transfer', card: { callSid: 'CA1', note: 'a "quoted" /slash/ é' }, attempt: 2 },
        { type: 'outcomes', day: '2026-12-01', counts: { 'transferred:x': 1, solved: 1 } },
        { type: 'dial' },
        {},
      ]);
    });

    test('nothing is stored without a time to live', async () => {
      await h.store.putSession('a', session(), 60);
      await h.store.record('d', { event: 'e', attemptOf: 'CA1', countOnce: { callSid: 'CA1', outcome: 'solved' } }, KEEP);
      await h.store.indexReference('123456', 'CA1', 60);
      await h.store.recordCall('CA1', 'e', KEEP);
      await h.store.keepCall('CA1', 120);
      const ttls = await h.ttls();
      expect(ttls.length).toBeGreaterThanOrEqual(4);
      for (const ttl of ttls) expect(ttl).toBeGreaterThan(0);
    });
  });
}

async function waitFor(condition: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

deskStoreConformance('MemoryDeskStore', async () => {
  let now = 1_000_000;
  const store = new MemoryDeskStore(() => now);
  return {
    store,
    expire: async () => {
      now += 1500;
    },
    ttls: async () => {
      const maps = ['sessions', 'days', 'references', 'calls'].map(
        (m) => (store as unknown as Record<string, Map<string, { expiresAt: number }>>)[m]!,
      );
      return maps.flatMap((map) => [...map.values()].map((e) => Math.ceil((e.expiresAt - now) / 1000)));
    },
    close: () => store.close(),
  };
});

deskStoreConformance('RedisDeskStore', async () => {
  const redis = new Redis(testRedisUrl());
  const prefix = `desk-${randomBytes(4).toString('hex')}`;
  const store = new RedisDeskStore(redis, prefix);
  return {
    store,
    expire: () => new Promise((r) => setTimeout(r, 1100)),
    ttls: async () => {
      const keys = await redis.keys(`${prefix}:*`);
      return Promise.all(keys.map((k) => redis.ttl(k)));
    },
    close: async () => {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await store.close();
      redis.disconnect();
    },
  };
});

test("the Redis desk store's listening and writing connections close with the call store's", async () => {
  const redis = new Redis(testRedisUrl());
  const store = new RedisDeskStore(redis, `desk-${randomBytes(4).toString('hex')}`);
  store.subscribe({ message: () => {}, resync: () => {} });
  const { subscriber, writer } = store as unknown as { subscriber: Redis; writer: Redis };
  await Promise.all([subscriber, writer].map((c) => (c.status === 'ready' ? undefined : new Promise((r) => c.once('ready', r)))));
  const ended = Promise.all([subscriber, writer].map((c) => new Promise((resolve) => c.once('end', resolve))));
  redis.disconnect();
  await ended;
  expect([subscriber.status, writer.status]).toEqual(['end', 'end']);
});

test("an event's writes issued in one turn reach Redis in one write (each write wakes Redis and the line)", async () => {
  // A Redis of this test's own: its count of reads is not moved by other tests.
  const server = await startRedis();
  const redis = new Redis(server.url);
  const store = new RedisDeskStore(redis, 'desk');
  const reads = async () => Number(/total_reads_processed:(\d+)/.exec(await redis.info('stats'))![1]);
  try {
    await store.recordCall('CA0', 'warm', { keep: 3, ttlSeconds: 60 });
    const before = await reads();
    const event = JSON.stringify({ type: 'transfer', card: { callSid: 'CA1' } });
    await Promise.all([
      store.record('2026-12-01', { event, attemptOf: 'CA1', countOnce: { callSid: 'CA1', outcome: 'solved' }, publish: event }, KEEP),
      store.indexReference('123456', 'CA1', 60),
      store.recordCall('CA1', event, KEEP),
      store.keepCall('CA1', 120),
    ]);
    // One for the four writes, one for the INFO that counts.
    expect((await reads()) - before).toBe(2);
  } finally {
    await store.close();
    redis.disconnect();
    await server.stop();
  }
});

test('after a lost connection to Redis comes back, subscribers are told to read the day again', async () => {
  const redis = new Redis(testRedisUrl());
  const prefix = `desk-${randomBytes(4).toString('hex')}`;
  const store = new RedisDeskStore(redis, prefix);
  try {
    let resyncs = 0;
    const heard: string[] = [];
    const connection: boolean[] = [];
    store.subscribe({ message: (m) => heard.push(m), resync: () => resyncs++, connection: (up) => connection.push(up) });
    const subscriber = (store as unknown as { subscriber: Redis }).subscriber;
    await new Promise((resolve) => subscriber.once('ready', resolve));
    // The listening connection drops, as in a failover or a restart; the client connects again by itself.
    subscriber.stream.destroy();
    await waitFor(() => resyncs === 1, 5000);
    // And it listens again.
    await waitFor(() => {
      store.publish('after').catch(() => undefined);
      return heard.includes('after');
    }, 5000);
    // Listeners heard the connection come, go and come back (the page says whether it is live).
    expect(connection).toEqual([true, false, true]);
  } finally {
    await store.close();
    redis.disconnect();
  }
});
