import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { InsightsBatch, InsightsStore, InsightsWrite } from '../../src/insights/insights-store';
import { MemoryInsightsStore } from '../../src/backend/memory/insights-store';
import { RedisInsightsStore } from '../../src/backend/redis/insights-store';
import { InsightsRecorder } from '../../src/insights/insights-recorder';
import { testRedisUrl } from '../helpers/line';

/** One contract for the insights stores (src/insights/insights-store.ts), on memory and on the private test Redis. */

const DAY = '2026-12-01';
const batch = (day: string, counts: Record<string, number>, flowId = 'portal-login'): InsightsBatch => ({
  day,
  flowId,
  counts: new Map(Object.entries(counts)),
});
let seq = 0;
/** A write of one instance, numbered as the recorder numbers them. */
const write = (...batches: InsightsBatch[]): InsightsWrite => ({ instance: 'instance-a', seq: seq++, batches });

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
    await store.add(write(batch(DAY, { calls: 2, 'reached|main-menu': 2 }), batch('2026-12-02', { calls: 1 })), 90);
    await store.add(write(batch(DAY, { calls: 1, 'choice|main-menu|2|voice': 1 }), batch(DAY, { calls: 5 }, 'other-flow')), 90);
    expect(await store.read('portal-login', [DAY, '2026-12-02', '2026-12-03'])).toEqual({
      [DAY]: { calls: 3, 'reached|main-menu': 2, 'choice|main-menu|2|voice': 1 },
      '2026-12-02': { calls: 1 },
      '2026-12-03': {},
    });
    expect(await store.read('other-flow', [DAY])).toEqual({ [DAY]: { calls: 5 } });
  });

  test('a write sent again (its answer lost) is added once; an older one of the instance is not added at all', async () => {
    const first = write(batch(DAY, { calls: 1 }));
    const second = write(batch(DAY, { calls: 2 }));
    expect(await store.add(first, 90)).toEqual({ failedFields: 0 });
    expect(await store.add(first, 90)).toEqual({ failedFields: 0 });
    await store.add(second, 90);
    await store.add(first, 90);
    // Another instance numbers its own writes.
    await store.add({ instance: 'instance-b', seq: 0, batches: [batch(DAY, { calls: 4 })] }, 90);
    expect(await store.read('portal-login', [DAY])).toEqual({ [DAY]: { calls: 7 } });
    expect(await store.lastApplied('instance-a')).toBe(second.seq);
    expect(await store.lastApplied('instance-c')).toBe(-1);
  });

  test('a day is dropped INSIGHTS_RETENTION_DAYS after it ends', async () => {
    if (redis !== undefined) {
      // Redis drops it at the end of the day plus two days (a day already past that is not kept at all).
      const today = new Date().toISOString().slice(0, 10);
      await store.add(write(batch(today, { calls: 1 }), batch('2020-01-01', { calls: 1 })), 2);
      const at = await redis.pexpiretime(`${prefix}:{insights}:portal-login:${today}`);
      expect(at).toBe(Date.parse(`${today}T00:00:00Z`) + 3 * 86_400_000);
      expect(await redis.exists(`${prefix}:{insights}:portal-login:2020-01-01`)).toBe(0);
      // What remembers each instance's last write expires too.
      expect(await redis.pttl(`${prefix}:{insights}:applied:instance-a`)).toBeGreaterThan(0);
      return;
    }
    await store.add(write(batch(DAY, { calls: 1 })), 2);
    clock = Date.parse('2026-12-03T23:59:00Z');
    expect((await store.read('portal-login', [DAY]))[DAY]).toEqual({ calls: 1 });
    clock = Date.parse('2026-12-04T00:00:00Z');
    expect((await store.read('portal-login', [DAY]))[DAY]).toEqual({});
  });

  test('what is stored outside the grammar of the counts is left out when read, never thrown; a field that is not a count is not added, the others are', async () => {
    if (redis === undefined) return; // only Redis can hold what another writer put there
    await redis.hset(`${prefix}:{insights}:portal-login:${DAY}`, {
      calls: '4',
      'choice|main-menu|5551234567|key': '1',
      'silence|x': 'many',
      'wrong|main-menu': '-2',
    });
    expect(await store.read('portal-login', [DAY])).toEqual({ [DAY]: { calls: 4 } });
    const added = write(batch(DAY, { calls: 1, 'silence|x': 1, 'wrong|main-menu': 1 }));
    expect(await store.add(added, 90)).toEqual({ failedFields: 1 });
    // Sent again (as after a lost answer): nothing more is added.
    await store.add(added, 90);
    expect(await store.read('portal-login', [DAY])).toEqual({ [DAY]: { calls: 5 } });
    expect(await redis.hget(`${prefix}:{insights}:portal-login:${DAY}`, 'wrong|main-menu')).toBe('-1');
    // What remembers an instance's last write, spoilt by hand: taken as nothing added yet, never an error every second.
    await redis.hset(`${prefix}:{insights}:applied:instance-z`, { x: '1' });
    expect(await store.add({ instance: 'instance-z', seq: 0, batches: [batch(DAY, { calls: 1 })] }, 90)).toEqual({ failedFields: 0 });
    expect(await store.lastApplied('instance-z')).toBe(0);
  });
});

describe('each instance counts in memory and writes once an interval', () => {
  class Counting extends MemoryInsightsStore {
    adds = 0;
    fail: 'no' | 'before' | 'after' = 'no';
    override async add(...args: Parameters<MemoryInsightsStore['add']>) {
      this.adds++;
      if (this.fail === 'before') throw new Error('READONLY You cannot write against a read only replica.');
      const added = await super.add(...args);
      // Added, but its answer never came back: the command timed out.
      if (this.fail === 'after') throw new Error('Command timed out');
      return added;
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

  test('a write the store did not take is tried again as it was while new counts wait; the problem is told once', async () => {
    const store = new Counting();
    const events: string[] = [];
    const counts = recorder(store, events);
    store.fail = 'before';
    counts.count('portal-login', ['calls']);
    await counts.flush();
    counts.count('portal-login', ['calls']);
    await counts.flush();
    expect(events).toEqual(['failure', 'problem', 'failure']);
    // Read from this instance meanwhile: its own counts are there (the store still refuses them).
    store.fail = 'no';
    expect(await counts.read('portal-login', [DAY])).toEqual({ [DAY]: { calls: 2 } });
    await counts.flush();
    expect(await store.read('portal-login', [DAY])).toEqual({ [DAY]: { calls: 2 } });
    // A new problem after a recovery is told again.
    store.fail = 'before';
    counts.count('portal-login', ['calls']);
    await counts.flush();
    expect(events).toEqual(['failure', 'problem', 'failure', 'failure', 'problem']);
  });

  test('a write whose answer was lost (added, then timed out) is not added twice when tried again', async () => {
    const store = new Counting();
    const counts = recorder(store);
    store.fail = 'after';
    counts.count('portal-login', ['calls']);
    await counts.flush();
    store.fail = 'no';
    // Read meanwhile: the write is there once, not also as one still to be made.
    expect(await counts.read('portal-login', [DAY])).toEqual({ [DAY]: { calls: 1 } });
    counts.count('portal-login', ['reached|main-menu']);
    await counts.flush();
    await counts.flush();
    expect(await store.read('portal-login', [DAY])).toEqual({ [DAY]: { calls: 1, 'reached|main-menu': 1 } });
  });

  test('a field outside the grammar is never kept', async () => {
    const store = new Counting();
    const events: string[] = [];
    const counts = recorder(store, events);
    counts.count('portal-login', ['calls', 'choice|main-menu|6135550123|key']);
    await counts.flush();
    expect(await store.read('portal-login', [DAY])).toEqual({ [DAY]: { calls: 1 } });
    expect(events).toEqual(['problem']);
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

  test('close writes what is left, and says what it could not', async () => {
    const store = new Counting();
    const counts = recorder(store).start();
    counts.count('portal-login', ['calls']);
    await counts.close();
    expect(await store.read('portal-login', [DAY])).toEqual({ [DAY]: { calls: 1 } });
    const events: string[] = [];
    const stuck = recorder(store, events).start();
    store.fail = 'before';
    stuck.count('portal-login', ['calls']);
    await stuck.close();
    expect(events).toEqual(['failure', 'problem', 'failure', 'problem']);
  });
});
