import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DeskStore } from '../../src/desk/desk-store';
import { MemoryDeskStore } from '../../src/backend/memory/desk-store';
import { RedisDeskStore } from '../../src/backend/redis/desk-store';
import { testRedisUrl } from '../helpers/line';

/**
 * What `record` publishes with a transfer's attempt, on each desk store: the message as given with one more field,
 * whatever it holds (empty arrays, escapes, numbers past double precision), so that every page reads the same card.
 */
const KEEP = { keep: 3, ttlSeconds: 60 };
const card = {
  type: 'transfer',
  card: { callSid: 'CA1', path: [], notes: [], followUps: [{ id: 'f', at: 'x' }], note: 'a "quoted" /slash/ é \u2028', n: 0.1 },
};
const message = JSON.stringify(card);

async function heardFrom(store: DeskStore, publish: string): Promise<string[]> {
  const heard: string[] = [];
  store.subscribe({ message: (m) => heard.push(m), resync: () => {} });
  await new Promise((r) => setTimeout(r, 100));
  await store.record('2026-12-01', { attemptOf: 'CA1', countOnce: { callSid: 'CA1', outcome: 'transferred:a/b' }, publish }, KEEP);
  await store.record('2026-12-01', { attemptOf: 'CA1', publish: ` ${publish}\n` }, KEEP);
  await store.record('2026-12-01', { attemptOf: 'CA2', publish: '{ }' }, KEEP);
  await store.record('2026-12-01', { attemptOf: 'CA2', publish: '{not json}' }, KEEP);
  const deadline = Date.now() + 2000;
  while (heard.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50));
  return heard;
}

function expectHeard(heard: string[]): void {
  expect(heard.length).toBe(5);
  expect(JSON.parse(heard[0]!)).toEqual({ ...card, attempt: 1 });
  expect(JSON.parse(heard[1]!)).toEqual({ type: 'outcomes', day: '2026-12-01', counts: { 'transferred:a/b': 1 } });
  expect(JSON.parse(heard[2]!)).toEqual({ ...card, attempt: 2 });
  expect(heard.slice(3)).toEqual(['{ }', '{not json}']);
}

test('the memory desk store publishes the message with its attempt, its arrays kept', async () => {
  const store = new MemoryDeskStore();
  try {
    const heard = await heardFrom(store, message);
    expectHeard(heard);
    expect(heard[0]).toBe(`${message.slice(0, -1)},"attempt":1}`);
  } finally {
    await store.close();
  }
});

test('the Redis desk store publishes the message as given with its attempt added, its arrays kept', async () => {
  const redis = new Redis(testRedisUrl());
  const prefix = `desk-${randomBytes(4).toString('hex')}`;
  const store = new RedisDeskStore(redis, prefix);
  try {
    const heard = await heardFrom(store, message);
    expectHeard(heard);
    // The message's own text, byte for byte, with the field added.
    expect(heard[0]).toBe(`${message.slice(0, -1)},"attempt":1}`);
    expect(heard[2]).toBe(` ${message.slice(0, -1)},"attempt":2}`);
  } finally {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await store.close();
    redis.disconnect();
  }
});
