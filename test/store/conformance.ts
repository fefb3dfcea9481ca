import { startingContext } from '../../src/engine/call-machine';
import type { CallSummary, Retention, SessionRecord, SessionStore } from '../../src/store/session-store';

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
    context: { ...startingContext('123456'), notice: null, history },
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
      expect(await t.store.load(id)).toMatchObject({ version: 2 });
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

    const keep = (summaryTtlSeconds: number, endedTtlSeconds = 600): Retention => ({ summaryTtlSeconds, endedTtlSeconds });

    /** The call has ended, its summary is kept, and every key it left has a time to live of at most `ttl`. */
    const expectEndedWithSummary = async (id: string, ttl: number) => {
      expect(await t.store.load(id)).toEqual({ ended: true, summary });
      const ttls = await t.ttls(id);
      expect(ttls.length).toBeGreaterThan(0);
      for (const left of ttls) {
        expect(left).toBeGreaterThan(0);
        expect(left).toBeLessThanOrEqual(ttl);
      }
    };

    test('end marks the call ended and keeps the summary, each with its time to live', async () => {
      const id = sid();
      await t.store.save(id, record('goodbye', ['Problem: password']), 0, 60);
      await t.store.end(id, summary, keep(500, 700));
      await expectEndedWithSummary(id, 700);
    });

    test('end without a summary, or with a zero time to live, keeps no summary; it is idempotent', async () => {
      const id = sid();
      await t.store.save(id, record('goodbye'), 0, 60);
      await t.store.end(id, null, keep(500));
      await t.store.end(id, summary, keep(500));
      expect(await t.store.load(id)).toEqual({ ended: true, summary: null });
      const other = sid();
      await t.store.save(other, record('goodbye'), 0, 60);
      await t.store.end(other, summary, keep(0));
      expect(await t.store.load(other)).toEqual({ ended: true, summary: null });
    });

    test('a repeated end does not overwrite the summary', async () => {
      const id = sid();
      await t.store.save(id, record('goodbye'), 0, 60);
      await t.store.end(id, summary, keep(500));
      await t.store.end(id, { ...summary, callStatus: 'failed' }, keep(500));
      expect(await t.store.endAt(id, 1, { ...summary, callStatus: 'busy' }, keep(500))).toEqual({ ended: true, already: true });
      expect(await t.store.load(id)).toEqual({ ended: true, summary });
    });

    test('endAt ends the call only at the expected version', async () => {
      const id = sid();
      await t.store.save(id, record('main-menu'), 0, 60);
      await t.store.save(id, record('goodbye', ['Problem: password']), 1, 60);
      // At another version it changes nothing and returns the call as it is.
      expect(await t.store.endAt(id, 1, summary, keep(500))).toEqual({
        ended: false,
        current: { version: 2, record: record('goodbye', ['Problem: password']) },
      });
      expect(await t.store.load(id)).toEqual({ version: 2, record: record('goodbye', ['Problem: password']) });
      expect(await t.store.endAt(id, 2, summary, keep(500))).toEqual({ ended: true, already: false });
      await expectEndedWithSummary(id, 600);
    });

    test('endAt on a call that is gone says so and changes nothing', async () => {
      const id = sid();
      expect(await t.store.endAt(id, 3, summary, keep(500))).toEqual({ ended: false, current: null });
      expect(await t.store.load(id)).toBeNull();
    });

    test('end of a call whose state is gone still marks it ended', async () => {
      const id = sid();
      await t.store.end(id, null, keep(0));
      expect(await t.store.load(id)).toEqual({ ended: true, summary: null });
      expect(await t.store.save(id, record('main-menu'), 0, 60)).toBe(false);
    });

    test('a call that has ended is never started or put back again while its mark is kept, whatever the summary setting', async () => {
      for (const summaryTtl of [500, 0]) {
        const id = sid();
        await t.store.save(id, record('goodbye'), 0, 60);
        await t.store.end(id, summary, keep(summaryTtl));
        expect(await t.store.save(id, record('main-menu'), 0, 60)).toBe(false);
        expect(await t.store.save(id, record('main-menu'), 1, 60)).toBe(false);
        expect(await t.store.save(id, record('main-menu'), 2, 60)).toBe(false);
        expect(await t.store.restore(id, record('main-menu'), 9, 60)).toBe(false);
        expect(await t.store.load(id)).toMatchObject({ ended: true });
      }
    });

    test('the ended mark expires with its own time to live', async () => {
      const id = sid();
      await t.store.save(id, record('goodbye'), 0, 60);
      await t.store.end(id, null, keep(0, 1));
      await t.expire(id);
      expect(await t.store.load(id)).toBeNull();
    });

    test('restore puts a copy back where there is none, or over an older one, never over a newer one', async () => {
      const id = sid();
      expect(await t.store.restore(id, record('username'), 5, 60)).toBe(true);
      expect(await t.store.load(id)).toEqual({ version: 5, record: record('username') });
      // An older copy, or one of the same version, does not replace it.
      expect(await t.store.restore(id, record('main-menu'), 2, 60)).toBe(false);
      expect(await t.store.restore(id, record('main-menu'), 5, 60)).toBe(false);
      // A newer one does; and the call goes on from there with compare-and-set.
      expect(await t.store.restore(id, record('password'), 7, 60)).toBe(true);
      expect(await t.store.save(id, record('goodbye'), 5, 60)).toBe(false);
      expect(await t.store.save(id, record('goodbye'), 7, 60)).toBe(true);
      expect(await t.store.load(id)).toEqual({ version: 8, record: record('goodbye') });
      const ttls = await t.ttls(id);
      expect(ttls).toHaveLength(1);
      expect(ttls[0]).toBeGreaterThan(0);
      expect(ttls[0]).toBeLessThanOrEqual(60);
    });

    test('ping answers', async () => {
      await expect(t.store.ping()).resolves.toBeUndefined();
    });
  });
}
