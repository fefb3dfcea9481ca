import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { InsightsStore } from '../../src/insights/insights-store';
import { MemoryInsightsStore } from '../../src/backend/memory/insights-store';
import { RedisInsightsStore } from '../../src/backend/redis/insights-store';
import { InsightsRecorder } from '../../src/insights/insights-recorder';
import { testRedisUrl } from '../helpers/line';

/** One contract for the insights stores (src/insights/insights-store.ts), on memory and on the private test Redis. */

const DAY = '2026-12-01';
const batch = (day: string, counts: Record<string, number>, flowId = 'portal-login') => ({
  day,
  flowId,
  counts: new Map(Object.entries(counts)),
});

describe.each(['memory', 'redis'] as const)('on %s', (kind) => {
  let store: InsightsStore;
  let redis: Redis | undefined;
  let prefix: string;
  let clock = Date.parse('2026-12-01T15:00:00Z');
  beforeEach(() => {
    clock = Date.parse('2026-12-01T15:00:00Z');
    prefix = `test-${randomBytes(6).toString('hex')}`;
    if (kind === 'redis') {
      redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
      store = new RedisInsightsStore(redis, prefix);
    } else store = new MemoryInsightsStore(() => clock);
  });
  afterEach(async () => {
    if (redis === undefined) return;
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    redis = undefined;
  });

  test('adds each batch to its day and flow, and reads the days asked for', async () => {
    await store.add([batch(DAY, { calls: 2, 'reached|main-menu': 2 }), batch('2026-12-02', { calls: 1 })], 90);
    await store.add([batch(DAY, { calls: 1, 'choice|main-menu|2|voice': 1 }), batch(DAY, { calls: 5 }, 'other-flow')], 90);
    expect(await store.read('portal-login', [DAY, '2026-12-02', '2026-12-03'])).toEqual({
      [DAY]: { calls: 3, 'reached|main-menu': 2, 'choice|main-menu|2|voice': 1 },
      '2026-12-02': { calls: 1 },
      '2026-12-03': {},
    });
    expect(await store.read('other-flow', [DAY])).toEqual({ [DAY]: { calls: 5 } });
  });

  test('a day is dropped INSIGHTS_RETENTION_DAYS after it ends', async () => {
    if (redis !== undefined) {
      // Redis drops it at the end of the day plus two days (a day already past that is not kept at all).
      const today = new Date().toISOString().slice(0, 10);
      await store.add([batch(today, { calls: 1 }), batch('2020-01-01', { calls: 1 })], 2);
      const at = await redis.pexpiretime(`${prefix}:{insights}:portal-login:${today}`);
      expect(at).toBe(Date.parse(`${today}T00:00:00Z`) + 3 * 86_400_000);
      expect(await redis.exists(`${prefix}:{insights}:portal-login:2020-01-01`)).toBe(0);
      return;
    }
    await store.add([batch(DAY, { calls: 1 })], 2);
    clock = Date.parse('2026-12-03T23:59:00Z');
    expect((await store.read('portal-login', [DAY]))[DAY]).toEqual({ calls: 1 });
    clock = Date.parse('2026-12-04T00:00:00Z');
    expect((await store.read('portal-login', [DAY]))[DAY]).toEqual({});
  });

  test('what is stored outside the grammar of the counts is left out when read, never thrown', async () => {
    if (redis === undefined) return; // only Redis can hold what another writer put there
    await redis.hset(`${prefix}:{insights}:portal-login:${DAY}`, {
      calls: '4',
      'choice|main-menu|5551234567|key': '1',
      'silence|x': 'many',
      'wrong|main-menu': '-2',
    });
    expect(await store.read('portal-login', [DAY])).toEqual({ [DAY]: { calls: 4 } });
  });
});

describe('each instance counts in memory and writes once an interval', () => {
  class Counting extends MemoryInsightsStore {
    adds = 0;
    fail = false;
    override add(...args: Parameters<MemoryInsightsStore['add']>) {
      this.adds++;
      if (this.fail) return Promise.reject(new Error('READONLY You cannot write against a read only replica.'));
      return super.add(...args);
    }
  }
  const recorder = (store: InsightsStore, events: string[] = []) =>
    new InsightsRecorder({
      store,
      retentionDays: 90,
      today: () => DAY,
      flushMs: 60_000,
      onFailure: () => events.push('failure'),
      onProblem: () => events.push('problem'),
    });

  test('a thousand turns are one write', async () => {
    const store = new Counting();
    const counts = recorder(store);
    for (let i = 0; i < 1000; i++) counts.count('portal-login', ['reached|main-menu']);
    await counts.flush();
    expect(store.adds).toBe(1);
    expect(await store.read('portal-login', [DAY])).toEqual({ [DAY]: { 'reached|main-menu': 1000 } });
  });

  test('counts the store did not take wait for the next write; the problem is told once, each failure counted', async () => {
    const store = new Counting();
    const events: string[] = [];
    const counts = recorder(store, events);
    store.fail = true;
    counts.count('portal-login', ['calls']);
    await counts.flush();
    counts.count('portal-login', ['calls']);
    await counts.flush();
    expect(events).toEqual(['failure', 'problem', 'failure']);
    // Read from this instance meanwhile: its own counts are there (the store still refuses them).
    store.fail = false;
    expect(await counts.read('portal-login', [DAY])).toEqual({ [DAY]: { calls: 2 } });
    await counts.flush();
    expect(await store.read('portal-login', [DAY])).toEqual({ [DAY]: { calls: 2 } });
    // A new problem after a recovery is told again.
    store.fail = true;
    counts.count('portal-login', ['calls']);
    await counts.flush();
    expect(events).toEqual(['failure', 'problem', 'failure', 'failure', 'problem']);
  });

  test('read gives what the store keeps and what this instance has not written yet, each counted once', async () => {
    const store = new Counting();
    const counts = recorder(store);
    const other = recorder(store);
    other.count('portal-login', ['calls']);
    await other.flush();
    counts.count('portal-login', ['calls', 'reached|main-menu']);
    expect(await counts.read('portal-login', [DAY])).toEqual({ [DAY]: { calls: 2, 'reached|main-menu': 1 } });
    expect(await counts.read('portal-login', [DAY])).toEqual({ [DAY]: { calls: 2, 'reached|main-menu': 1 } });
  });

  test('close writes what is left', async () => {
    const store = new Counting();
    const counts = recorder(store).start();
    counts.count('portal-login', ['calls']);
    await counts.close();
    expect(await store.read('portal-login', [DAY])).toEqual({ [DAY]: { calls: 1 } });
  });
});
