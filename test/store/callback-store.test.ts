import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { CallbackRecord, CallbackStore } from '../../src/requests/callbacks/callback-store';
import { MemoryCallbackStore } from '../../src/backend/memory/callback-store';
import { RedisCallbackStore } from '../../src/backend/redis/callback-store';
import { testRedisUrl } from '../helpers/line';

/** One contract for the callback stores (src/callbacks/callback-store.ts), run on memory and on the private test Redis. */
interface Harness {
  store: CallbackStore;
  /** A second store on the same data: another instance of the line. */
  other: CallbackStore;
  /** Lets a time to live of 1 s run out. */
  expire(): Promise<void>;
  close(): Promise<void>;
}

const callback = (id: string, askedAt: number, told: string[] = []): CallbackRecord => ({
  id,
  reference: '123456',
  reason: 'The caller asked for the desk.',
  told,
  number: '+15555550123',
  numberFrom: 'calling',
  askedAt,
  status: 'open',
  claimedBy: null,
  closedAt: null,
});

function conformance(name: string, make: () => Promise<Harness>) {
  describe(`${name} (callback store contract)`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h.close();
    });

    test('asked once per id, listed open oldest first, as asked (an empty list of notes stays a list)', async () => {
      expect(await h.store.ask(callback('b', 2000, ['Problem: username']), 60)).toBe('kept');
      expect(await h.store.ask(callback('a', 1000), 60)).toBe('kept');
      expect(await h.other.ask(callback('a', 3000, ['again']), 60)).toBe('already');
      expect(await h.other.open()).toEqual([callback('a', 1000), callback('b', 2000, ['Problem: username'])]);
    });

    test('one agent at a time: a claim is atomic across instances, and only the holder closes', async () => {
      await h.store.ask(callback('a', 1000), 60);
      const results = await Promise.all([h.store.claim('a', 'alice'), h.other.claim('a', 'bob'), h.store.claim('a', 'carol')]);
      expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
      expect(results.filter((r) => r === 'taken')).toHaveLength(2);
      const holder = ['alice', 'bob', 'carol'][results.indexOf('claimed')]!;
      expect(await h.store.claim('a', holder)).toBe('claimed');
      expect(await h.store.get('a')).toEqual({ ...callback('a', 1000), status: 'claimed', claimedBy: holder });
      expect(await h.store.close('a', holder === 'alice' ? 'bob' : 'alice', 'done', 5000)).toBe('not-yours');
      expect(await h.other.close('a', holder, 'not-reached', 5000)).toBe('closed');
      expect(await h.store.open()).toEqual([]);
      expect(await h.store.get('a')).toEqual({ ...callback('a', 1000), status: 'not-reached', claimedBy: holder, closedAt: 5000 });
      expect(await h.store.claim('a', holder)).toBe('taken');
      expect(await h.store.claim('nope', holder)).toBe('gone');
      expect(await h.store.close('nope', holder, 'done', 1)).toBe('gone');
    });

    test('expire takes the old ones off the open list, each counted once across instances', async () => {
      await h.store.ask(callback('old', 1000), 60);
      await h.store.ask(callback('older', 500), 60);
      await h.store.ask(callback('new', 9000), 60);
      const [one, two] = await Promise.all([h.store.expire(5000), h.other.expire(5000)]);
      expect(one + two).toBe(2);
      expect((await h.store.open()).map((c) => c.id)).toEqual(['new']);
    });

    test('withdrawn when the one attempt that asked lets go: off the open list, not found, not claimable', async () => {
      expect(await h.store.ask(callback('a', 1000), 60, 'turn-1')).toBe('kept');
      expect(await h.other.withdraw('a', 'turn-1', 60)).toBe('withdrawn');
      expect(await h.store.open()).toEqual([]);
      expect(await h.store.get('a')).toBeNull();
      expect(await h.other.claim('a', 'alice')).toBe('gone');
      // Withdrawn once: again changes nothing.
      expect(await h.store.withdraw('a', 'turn-1', 60)).toBe('absent');
      // The caller asks again (another turn): booked again.
      expect(await h.other.ask(callback('a', 2000), 60, 'turn-2')).toBe('kept');
      expect(await h.store.open()).toEqual([callback('a', 2000)]);
    });

    test('an ask that arrives after its own withdrawal (a slow store) changes nothing; another attempt still books', async () => {
      expect(await h.store.withdraw('a', 'turn-1', 60)).toBe('absent');
      expect(await h.other.ask(callback('a', 1000), 60, 'turn-1')).toBe('already');
      expect(await h.store.open()).toEqual([]);
      expect(await h.store.get('a')).toBeNull();
      expect(await h.other.ask(callback('a', 3000), 60, 'turn-2')).toBe('kept');
      expect(await h.store.open()).toEqual([callback('a', 3000)]);
    });

    test('a retried webhook: the callback stays while any attempt that found it holds it, and an agent keeps a claimed one', async () => {
      expect(await h.store.ask(callback('a', 1000), 60, 'first')).toBe('kept');
      expect(await h.other.ask(callback('a', 1001), 60, 'retry')).toBe('already');
      expect(await h.store.withdraw('a', 'first', 60)).toBe('held');
      expect(await h.other.open()).toEqual([callback('a', 1000)]);
      expect(await h.other.withdraw('a', 'retry', 60)).toBe('withdrawn');
      expect(await h.other.open()).toEqual([]);

      await h.store.ask(callback('b', 1000), 60, 'first');
      expect(await h.other.claim('b', 'alice')).toBe('claimed');
      expect(await h.store.withdraw('b', 'first', 60)).toBe('held');
      expect(await h.store.get('b')).toEqual({ ...callback('b', 1000), status: 'claimed', claimedBy: 'alice' });
    });

    test('one open callback per number, atomic across instances; another once it is closed or expired', async () => {
      const limits = { numberKey: 'n1', hourlyLimit: 100 };
      const asked = await Promise.all(
        ['a', 'b', 'c', 'd', 'e', 'f'].map((id, i) => (i % 2 === 0 ? h.store : h.other).ask(callback(id, 1000 + i), 60, undefined, limits)),
      );
      expect(asked.filter((r) => r === 'kept')).toHaveLength(1);
      expect(asked.filter((r) => r === 'open')).toHaveLength(5);
      expect(await h.store.open()).toHaveLength(1);
      const kept = ['a', 'b', 'c', 'd', 'e', 'f'][asked.indexOf('kept')]!;
      // Another number is not held back; the same call asking again is 'already', not 'open'.
      expect(await h.store.ask(callback('x', 2000), 60, undefined, { ...limits, numberKey: 'n2' })).toBe('kept');
      expect(await h.other.ask(callback(kept, 2000), 60, undefined, limits)).toBe('already');
      // Claimed is still open for the caller: the desk has it.
      await h.store.claim(kept, 'alice');
      expect(await h.other.ask(callback('g', 3000), 60, undefined, limits)).toBe('open');
      await h.store.close(kept, 'alice', 'done', 3500);
      expect(await h.other.ask(callback('h', 4000), 60, undefined, limits)).toBe('kept');
      await h.store.expire(5000);
      expect(await h.store.ask(callback('i', 6000), 60, undefined, limits)).toBe('kept');
    });

    test('at most the limit an hour on the line, atomic across instances; the next hour counts afresh', async () => {
      const hour = 60 * 60 * 1000;
      const at = 1000 * hour + 10;
      const asked = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? h.store : h.other).ask(callback(`c${i}`, at + i), 60, undefined, { numberKey: `n${i}`, hourlyLimit: 3 }),
        ),
      );
      expect(asked.filter((r) => r === 'kept')).toHaveLength(3);
      expect(asked.filter((r) => r === 'limit')).toHaveLength(7);
      expect(await h.store.open()).toHaveLength(3);
      expect(await h.other.ask(callback('next', at + hour), 60, undefined, { numberKey: 'next', hourlyLimit: 3 })).toBe('kept');
    });

    test('a callback is kept for its retention, then gone', async () => {
      await h.store.ask(callback('a', 1000), 1);
      await h.expire();
      expect(await h.store.get('a')).toBeNull();
      expect(await h.store.open()).toEqual([]);
      expect(await h.store.claim('a', 'alice')).toBe('gone');
    });
  });
}

conformance('memory', async () => {
  let offset = 0;
  const store = new MemoryCallbackStore(() => Date.now() + offset);
  return {
    store,
    other: store,
    expire: async () => void (offset += 1500),
    close: async () => undefined,
  };
});

conformance('redis', async () => {
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  const a = new Redis(testRedisUrl());
  const b = new Redis(testRedisUrl());
  return {
    store: new RedisCallbackStore(a, prefix),
    other: new RedisCallbackStore(b, prefix),
    expire: () => new Promise((r) => setTimeout(r, 1100)),
    close: async () => {
      const keys = await a.keys(`${prefix}:*`);
      if (keys.length > 0) await a.del(...keys);
      await Promise.all([a.quit(), b.quit()]);
    },
  };
});
