import type { CallSummary, SessionRecord, SessionStore } from '../../src/store/session-store';

/** A factory for a fresh, empty store, and a way to read the time to live the store gave a call's keys. */
export interface StoreUnderTest {
  store: SessionStore;
  /** Seconds to live of every key the store holds for `callSid`; -1 for a key without one. */
  ttls(callSid: string): Promise<number[]>;
  /** Makes time pass (memory) or waits for real expiry (Redis). */
  expire(callSid: string): Promise<void>;
  close(): Promise<void>;
}

/** A session record at node `value`, as the conformance tests store it. */
export const record = (value: string, history: string[] = []): SessionRecord => ({
  flowId: 'portal-login',
  flowVersion: 'abc123',
  nodeVersion: 'def456',
  call: {
    value,
    context: { reference: '123456', failures: 0, quiet: 0, notice: null, history, transfer: null, dialProblem: null, flowRestarted: false },
  },
});

const summary: CallSummary = {
  reference: '123456',
  flowId: 'portal-login',
  flowVersion: 'abc123',
  lastNode: 'goodbye',
  history: ['Problem: password'],
  callStatus: 'completed',
  durationSeconds: 42,
  endedAt: '2026-11-27T12:00:00.000Z',
};

let n = 0;
const sid = () => `CA${(++n).toString(16).padStart(32, '0')}`;

/** The SessionStore contract (see src/store/session-store.ts), run against every implementation. */
export function sessionStoreConformance(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`${name} conforms to SessionStore`, () => {
    let t: StoreUnderTest;
    beforeEach(async () => {
      t = await make();
    });
    afterEach(async () => {
      await t.close();
    });

    test('load of an unknown call is null', async () => {
      expect(await t.store.load(sid())).toBeNull();
    });

    test('a first save needs expected version 0 and stores version 1', async () => {
      const id = sid();
      expect(await t.store.save(id, record('main-menu'), 1, 60)).toBe(false);
      expect(await t.store.save(id, record('main-menu'), 0, 60)).toBe(true);
      expect(await t.store.load(id)).toEqual({ version: 1, record: record('main-menu') });
    });

    test('save is a compare-and-set: a stale version changes nothing', async () => {
      const id = sid();
      await t.store.save(id, record('main-menu'), 0, 60);
      expect(await t.store.save(id, record('username'), 1, 60)).toBe(true);
      expect(await t.store.save(id, record('password'), 1, 60)).toBe(false);
      expect(await t.store.save(id, record('password'), 0, 60)).toBe(false);
      expect(await t.store.load(id)).toEqual({ version: 2, record: record('username') });
    });

    test('of two racing saves on one version exactly one wins', async () => {
      const id = sid();
      await t.store.save(id, record('main-menu'), 0, 60);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => t.store.save(id, record(`n${i}`), 1, 60)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await t.store.load(id))?.version).toBe(2);
    });

    test('every save sets the time to live; nothing is kept without one', async () => {
      const id = sid();
      await t.store.save(id, record('main-menu'), 0, 100);
      await t.store.save(id, record('username'), 1, 300);
      const ttls = await t.ttls(id);
      expect(ttls).toHaveLength(1);
      expect(ttls[0]).toBeGreaterThan(100);
      expect(ttls[0]).toBeLessThanOrEqual(300);
    });

    test('an expired session is gone', async () => {
      const id = sid();
      await t.store.save(id, record('main-menu'), 0, 1);
      await t.expire(id);
      expect(await t.store.load(id)).toBeNull();
      expect(await t.store.save(id, record('main-menu'), 0, 60)).toBe(true);
    });

    /** The session is gone and only the summary is kept, with a time to live of at most `ttl`. */
    const expectEndedWithSummary = async (id: string, ttl: number) => {
      expect(await t.store.load(id)).toBeNull();
      expect(await t.store.loadSummary(id)).toEqual(summary);
      const ttls = await t.ttls(id);
      expect(ttls).toHaveLength(1);
      expect(ttls[0]).toBeGreaterThan(0);
      expect(ttls[0]).toBeLessThanOrEqual(ttl);
    };

    test('end removes the session and keeps the summary with a time to live', async () => {
      const id = sid();
      await t.store.save(id, record('goodbye', ['Problem: password']), 0, 60);
      await t.store.end(id, summary, 500);
      await expectEndedWithSummary(id, 500);
    });

    test('end without a summary, or with a zero time to live, keeps nothing; it is idempotent', async () => {
      const id = sid();
      await t.store.save(id, record('goodbye'), 0, 60);
      await t.store.end(id, null, 500);
      await t.store.end(id, summary, 0);
      expect(await t.store.load(id)).toBeNull();
      expect(await t.store.loadSummary(id)).toBeNull();
      expect(await t.ttls(id)).toEqual([]);
    });

    test('endAt ends the call only at the expected version', async () => {
      const id = sid();
      await t.store.save(id, record('main-menu'), 0, 60);
      await t.store.save(id, record('goodbye', ['Problem: password']), 1, 60);
      // At another version it changes nothing and returns the call as it is.
      expect(await t.store.endAt(id, 1, summary, 500)).toEqual({
        ended: false,
        current: { version: 2, record: record('goodbye', ['Problem: password']) },
      });
      expect((await t.store.load(id))?.version).toBe(2);
      expect(await t.store.loadSummary(id)).toBeNull();
      expect(await t.store.endAt(id, 2, summary, 500)).toEqual({ ended: true });
      await expectEndedWithSummary(id, 500);
    });

    test('endAt without a summary, or with a zero time to live, keeps nothing', async () => {
      const a = sid();
      const b = sid();
      await t.store.save(a, record('goodbye'), 0, 60);
      await t.store.save(b, record('goodbye'), 0, 60);
      expect(await t.store.endAt(a, 1, null, 500)).toEqual({ ended: true });
      expect(await t.store.endAt(b, 1, summary, 0)).toEqual({ ended: true });
      for (const id of [a, b]) {
        expect(await t.store.load(id)).toBeNull();
        expect(await t.store.loadSummary(id)).toBeNull();
        expect(await t.ttls(id)).toEqual([]);
      }
    });

    test('endAt on a call that is gone says so', async () => {
      const id = sid();
      expect(await t.store.endAt(id, 3, summary, 500)).toEqual({ ended: false, current: null });
      expect(await t.store.loadSummary(id)).toBeNull();
    });

    test('with unlessEnded, a call that has ended is not started again at version 0 while its summary is kept', async () => {
      const id = sid();
      await t.store.save(id, record('goodbye'), 0, 60);
      await t.store.end(id, summary, 500);
      expect(await t.store.save(id, record('main-menu'), 0, 60, { unlessEnded: true })).toBe(false);
      expect(await t.store.load(id)).toBeNull();
      // A plain save starts it (a CallSid used again, as the simulator does).
      expect(await t.store.save(id, record('main-menu'), 0, 60)).toBe(true);
      // Without a summary nothing remembers the call: it may be put back (a store restarted empty, say).
      const other = sid();
      await t.store.save(other, record('goodbye'), 0, 60);
      await t.store.end(other, null, 500);
      expect(await t.store.save(other, record('main-menu'), 0, 60, { unlessEnded: true })).toBe(true);
    });

    test('ping answers', async () => {
      await expect(t.store.ping()).resolves.toBeUndefined();
    });
  });
}
