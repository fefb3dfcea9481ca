import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Announcement } from '../../src/announcement/announcement';
import { AnnouncementBoard } from '../../src/announcement/announcement-board';
import type { AnnouncementStore } from '../../src/announcement/announcement-store';
import { MemoryAnnouncementStore } from '../../src/backend/memory/announcement-store';
import { RedisAnnouncementStore } from '../../src/backend/redis/announcement-store';
import { testRedisUrl } from '../helpers/line';

function announcement(fields: Partial<Announcement> = {}): Announcement {
  const now = Date.now();
  return {
    id: randomBytes(4).toString('hex'),
    text: 'The portal is down since 9 a.m.',
    startsAt: now,
    endsAt: now + 60_000,
    endGiven: true,
    then: 'menu',
    by: 'alice',
    at: now,
    wording: null,
    ...fields,
  };
}

/** Until `check` holds, for at most two seconds (a message crosses Redis). */
async function eventually(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('never happened');
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Pair {
  /** Two instances' stores sharing what they keep (one Redis and prefix, or one memory store). */
  one: AnnouncementStore;
  two: AnnouncementStore;
  close(): Promise<void>;
}

const kinds: [string, () => Pair][] = [
  [
    'memory',
    () => {
      const store = new MemoryAnnouncementStore();
      return { one: store, two: store, close: () => store.close() };
    },
  ],
  [
    'redis',
    () => {
      const prefix = `test-${randomBytes(6).toString('hex')}`;
      const a = new Redis(testRedisUrl());
      const b = new Redis(testRedisUrl());
      const one = new RedisAnnouncementStore(a, prefix);
      const two = new RedisAnnouncementStore(b, prefix);
      return {
        one,
        two,
        close: async () => {
          await one.close();
          await two.close();
          await a.del(`${prefix}:announcement`);
          a.disconnect();
          b.disconnect();
        },
      };
    },
  ],
];

/** The announcement store's contract (src/announcement/announcement-store.ts), for every implementation. */
describe.each(kinds)('the %s announcement store', (_kind, make) => {
  let pair: Pair;
  beforeEach(() => {
    pair = make();
  });
  afterEach(async () => {
    await pair.close();
  });

  test('keeps one until it is cleared, and every listener hears each change', async () => {
    const heard: (string | null)[] = [];
    pair.two.subscribe({ changed: (a) => heard.push(a?.id ?? null), resync: () => {} });
    // The subscription is made (Redis: its own connection) before the first change.
    await new Promise((r) => setTimeout(r, 100));
    expect(await pair.two.read()).toBeNull();
    const first = announcement();
    await pair.one.put(first);
    expect(await pair.two.read()).toEqual(first);
    const second = announcement();
    await pair.one.put(second);
    await pair.one.clear();
    expect(await pair.two.read()).toBeNull();
    await eventually(() => heard.length === 3);
    expect(heard).toEqual([first.id, second.id, null]);
  });

  test('an ended one is not read back', async () => {
    await pair.one.put(announcement({ endsAt: Date.now() + 30 }));
    await new Promise((r) => setTimeout(r, 60));
    expect(await pair.two.read()).toBeNull();
  });

  test("each instance's board follows the other's changes, and ends one at its time by its own clock", async () => {
    let now = Date.now();
    const board = new AnnouncementBoard(pair.two, { now: () => now });
    await board.start();
    try {
      const a = announcement({ startsAt: now + 1000, endsAt: now + 2000 });
      await pair.one.put(a);
      await eventually(() => board.current()?.id === a.id);
      expect(board.playing()).toBeNull();
      now += 1000;
      expect(board.playing()?.id).toBe(a.id);
      now += 1000;
      expect(board.playing()).toBeNull();
      expect(board.current()).toBeNull();
    } finally {
      board.stop();
    }
  });

  test('a read that began before a change does not put back what the change replaced', async () => {
    const old = announcement();
    await pair.one.put(old);
    const board = new AnnouncementBoard(pair.two);
    await board.start();
    expect(board.current()?.id).toBe(old.id);
    const reading = board.refresh();
    board.changedHere(null);
    await reading;
    expect(board.current()).toBeNull();
    board.stop();
  });
});

test('the Redis key lives a minute past the end at most', async () => {
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  const redis = new Redis(testRedisUrl());
  const store = new RedisAnnouncementStore(redis, prefix);
  try {
    await store.put(announcement({ endsAt: Date.now() + 10_000 }));
    const ttl = await redis.pttl(`${prefix}:announcement`);
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(70_000);
  } finally {
    await redis.del(`${prefix}:announcement`);
    await store.close();
    redis.disconnect();
  }
});

test('a board goes by what the key holds, not by a message that arrives late (through another cluster node, say)', async () => {
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  const redis = new Redis(testRedisUrl());
  const store = new RedisAnnouncementStore(redis, prefix);
  // No re-read by the clock here: only a message makes this board read.
  const board = new AnnouncementBoard(store, { rereadMs: 600_000 });
  await board.start();
  try {
    // The subscription is made (its own connection) before the messages.
    await new Promise((r) => setTimeout(r, 100));
    const on = announcement();
    await store.put(on);
    await eventually(() => board.current()?.id === on.id);
    await store.clear();
    await eventually(() => board.current() === null);
    // The message of the put again, after the clear: the key says nothing is on. The board reads it (each read it
    // finishes is counted), and keeps what it read.
    let reads = 0;
    const read = board.refresh.bind(board);
    board.refresh = async () => {
      await read();
      reads++;
    };
    await redis.publish(`${prefix}:announcement:changes`, JSON.stringify(on));
    await eventually(() => reads > 0);
    expect(board.current()).toBeNull();
  } finally {
    board.stop();
    await store.close();
    redis.disconnect();
  }
});
