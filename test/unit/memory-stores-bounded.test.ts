import { MemoryCallbackStore } from '../../src/backend/memory/callback-store';
import { MemoryMessageLimits, MemoryMessageQueue } from '../../src/backend/memory/message-queue';
import type { CallbackRecord } from '../../src/requests/callbacks/callback-store';
import {
  KEEP_COMPLETED,
  KEEP_FAILED,
  MARK_TTL_SECONDS,
  PermanentFailure,
  type MessageJob,
  type Send,
} from '../../src/requests/texts/message-queue';

/**
 * The memory backend's indexes do not grow with the process: the message queue remembers a job's id for as long as
 * BullMQ would keep the job, and the callback store's entry for a number goes with its callback.
 */

const DAY_S = 24 * 60 * 60;
const settle = () => new Promise((r) => setTimeout(r, 5));

describe('the memory message queue', () => {
  const job = (i: number): MessageJob => ({ id: `CA${i}:desk`, callSid: `CA${i}`, to: '+12045550123', body: 'hello' });

  async function sending(outcome: Send) {
    let now = 1_000_000;
    const sent: string[] = [];
    const queue = new MemoryMessageQueue(1, () => now);
    queue.start(async (j, attempt) => {
      sent.push(j.id);
      return outcome(j, attempt);
    });
    return { queue, sent, advance: (ms: number) => (now += ms) };
  }

  test('a sent job is one job while BullMQ would keep it, then its id is forgotten', async () => {
    const { queue, sent, advance } = await sending(async () => undefined);
    await queue.add(job(1));
    await settle();
    await queue.add(job(1));
    await settle();
    expect(sent).toEqual(['CA1:desk']);
    advance(KEEP_COMPLETED.age * 1000);
    await queue.add(job(1));
    await settle();
    expect(sent).toEqual(['CA1:desk', 'CA1:desk']);
    await queue.close();
  });

  test('however many jobs are sent, it remembers at most the count BullMQ keeps', async () => {
    const { queue, sent } = await sending(async () => undefined);
    for (let i = 0; i < 1000; i++) await queue.add(job(i));
    await settle();
    expect(sent).toHaveLength(1000);
    expect(queue.remembered).toBe(KEEP_COMPLETED.count);
    // The latest are the ones remembered.
    await queue.add(job(999));
    await queue.add(job(0));
    await settle();
    expect(sent).toHaveLength(1001);
    await queue.close();
  });

  test('a job that failed for good is remembered as BullMQ keeps failed jobs', async () => {
    const { queue, sent, advance } = await sending(async () => {
      throw new PermanentFailure('refused', 21614);
    });
    for (let i = 0; i < KEEP_FAILED.count + 50; i++) await queue.add(job(i));
    await settle();
    expect(queue.remembered).toBe(KEEP_FAILED.count);
    await queue.add(job(KEEP_FAILED.count + 49));
    await settle();
    expect(sent).toHaveLength(KEEP_FAILED.count + 50);
    advance(KEEP_FAILED.age * 1000);
    await queue.add(job(KEEP_FAILED.count + 49));
    await settle();
    expect(sent).toHaveLength(KEEP_FAILED.count + 51);
    expect(queue.remembered).toBe(1);
    await queue.close();
  });

  test('a withdrawn job is forgotten at once; one waiting to be tried again is not', async () => {
    let tries = 0;
    const { queue, sent } = await sending(async (j) => {
      if (j.id === 'CA1:desk') return 'withdrawn';
      tries++;
      throw new Error('Twilio answered 500');
    });
    await queue.add(job(1));
    await queue.add(job(2));
    await settle();
    expect(queue.remembered).toBeGreaterThanOrEqual(1);
    await queue.add(job(1));
    await queue.add(job(2));
    await settle();
    expect(sent.filter((id) => id === 'CA1:desk')).toHaveLength(2);
    expect(tries).toBeGreaterThanOrEqual(1);
    await queue.close();
    // Its tries cut short by close, the job is lost with the memory, and its id with it.
    expect(queue.remembered).toBe(0);
  });
});

describe('the memory message limits', () => {
  test("a call's mark and a number's day are forgotten as their keys expire on Redis, and count as before until then", async () => {
    let now = Date.UTC(2026, 0, 5, 10);
    const limits = new MemoryMessageLimits(() => now);
    expect(await limits.take('CA1:desk', '+12045550123', '2026-01-05', 2)).toBe('ok');
    expect(await limits.take('CA1:desk', '+12045550123', '2026-01-05', 2)).toBe('unconfirmed');
    await limits.confirm('CA1:desk');
    expect(await limits.take('CA1:desk', '+12045550123', '2026-01-05', 2)).toBe('already');
    expect(await limits.take('CA2:desk', '+12045550123', '2026-01-05', 2)).toBe('ok');
    expect(await limits.take('CA3:desk', '+12045550123', '2026-01-05', 2)).toBe('limit');
    await limits.giveBack('CA2:desk');
    expect(await limits.held('CA2:desk')).toBe(false);
    expect(await limits.take('CA3:desk', '+12045550123', '2026-01-05', 2)).toBe('ok');
    // A text a minute for a week, to a new number each time: what is kept is two days' worth.
    for (let i = 0; i < 7 * 24 * 60; i++) {
      now += 60_000;
      const day = new Date(now).toISOString().slice(0, 10);
      expect(await limits.take(`CA${i + 10}:desk`, `+1204555${String(i % 10_000).padStart(4, '0')}`, day, 3)).toBe('ok');
    }
    expect(limits.kept).toBeLessThanOrEqual(2 * (MARK_TTL_SECONDS / 60 + 1));
    expect(await limits.held('CA1:desk')).toBe(false);
  });
});

describe('the memory callback store', () => {
  const RETENTION_S = 14 * DAY_S;
  const limits = (number: string) => ({ numberKey: `key-${number}`, hourlyLimit: 10_000 });
  const callback = (i: number, at: number): CallbackRecord => ({
    id: `CA${i}`,
    reference: '123456',
    reason: 'password',
    told: [],
    number: '+12045550123',
    numberFrom: 'calling',
    askedAt: at,
    status: 'open',
    claimedBy: null,
    closedAt: null,
  });

  test("a number's entry goes when its callback is closed, withdrawn or expired: it indexes open callbacks only", async () => {
    let now = Date.UTC(2026, 0, 5, 10);
    const store = new MemoryCallbackStore(() => now);
    // Closed by an agent.
    expect(await store.ask(callback(1, now), RETENTION_S, 'a1', limits('n1'))).toBe('kept');
    expect(await store.ask(callback(2, now), RETENTION_S, 'a2', limits('n1'))).toBe('open');
    expect(store.kept.numbers).toBe(1);
    expect(await store.claim('CA1', 'alice')).toBe('claimed');
    expect(await store.close('CA1', 'alice', 'done', now)).toBe('closed');
    expect(store.kept.numbers).toBe(0);
    // Withdrawn.
    expect(await store.ask(callback(3, now), RETENTION_S, 'a3', limits('n2'))).toBe('kept');
    expect(await store.withdraw('CA3', 'a3', RETENTION_S)).toBe('withdrawn');
    expect(store.kept.numbers).toBe(0);
    // Expired off the open list.
    expect(await store.ask(callback(4, now), RETENTION_S, 'a4', limits('n3'))).toBe('kept');
    now += RETENTION_S * 1000 + 1;
    expect(await store.expire(now - RETENTION_S * 1000)).toBe(1);
    expect(store.kept.numbers).toBe(0);
    // A new callback to a number whose callback was closed is booked.
    expect(await store.ask(callback(5, now), RETENTION_S, 'a5', limits('n1'))).toBe('kept');
  });

  test('many callbacks over weeks: what is kept is bounded by those within their retention', async () => {
    let now = Date.UTC(2026, 0, 5, 10);
    const store = new MemoryCallbackStore(() => now);
    const retention = DAY_S;
    for (let i = 0; i < 2000; i++) {
      // 100 a day for 20 days, half closed, a quarter withdrawn, a quarter left open (never expired by `expire`).
      now += (DAY_S * 1000) / 100;
      expect(await store.ask(callback(i, now), retention, `a${i}`, limits(`n${i}`))).toBe('kept');
      if (i % 4 < 2) {
        await store.claim(`CA${i}`, 'alice');
        await store.close(`CA${i}`, 'alice', 'done', now);
      } else if (i % 4 === 2) await store.withdraw(`CA${i}`, `a${i}`, retention);
    }
    // A day's worth (and one sweep interval) at most.
    expect(store.kept.items).toBeLessThanOrEqual(101);
    expect(store.kept.numbers).toBeLessThanOrEqual(26);
    expect((await store.open()).length).toBeLessThanOrEqual(26);
  });
});
