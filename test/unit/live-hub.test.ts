import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { LIVE_TEXT, LiveHub, NOT_LIVE_TEXT, type HubDeps } from '../../src/desk/live/live-hub';
import { FlowRegistry } from '../../src/engine/registry';
import { createLogger } from '../../src/common/log';

/** A page's response as the hub uses it: what is written to it, write by write, and whether it ended. */
class PageResponse extends EventEmitter {
  readonly writes: string[] = [];
  writableEnded = false;
  destroyed = false;
  writeHead(): this {
    return this;
  }
  write(chunk: string | Buffer): boolean {
    if (this.writableEnded) throw new Error('write after end');
    this.writes.push(String(chunk));
    return true;
  }
  end(): void {
    this.writableEnded = true;
    this.writes.push('(end)');
    this.emit('close');
  }
}

/** Callbacks whose reads are noted in `reads`: the open list (empty), and each callback as `get` finds it. */
const callbacksReading = (reads: string[], get: (id: string) => unknown) => ({
  open: async () => {
    reads.push('open list');
    return [];
  },
  get: async (id: string) => {
    reads.push(id);
    return get(id);
  },
});

/** One turn of the event loop: the hub writes to a few pages a turn. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

const card = (n: number) => ({
  callSid: `CA${String(n).padStart(32, '0')}`,
  reference: '123456',
  at: '2026-12-01T05:00:00.000Z',
  reasonId: 'bsdRequest',
  reason: 'The caller asked for the desk.',
  notes: [],
  path: ['main-menu:0'],
  from: '+16135550123',
  attempt: 1,
  dial: null,
});

/** A hub on a store whose subscription is fed by `deliver`, as another instance would publish. */
async function hubWith(extra: Record<string, unknown> = {}): Promise<{ hub: LiveHub; deliver: (text: string) => void }> {
  let deliver: (text: string) => void = () => undefined;
  const deps = {
    desk: { day: async () => ({ cards: [], counts: {} }), today: () => '2026-12-01', backlog: 0 },
    store: {
      subscribe: (handlers: { message: (text: string) => void }) => {
        deliver = handlers.message;
        return () => undefined;
      },
    },
    signIns: { holds: async () => true },
    metrics: { livePages: () => undefined },
    logger: createLogger('silent'),
    flows: FlowRegistry.fromDir('call-flows', 'portal-login'),
    timeZone: 'America/Toronto',
    heartbeatMs: 60_000,
    ...extra,
  } as unknown as HubDeps;
  const hub = new LiveHub(deps);
  return { hub, deliver: (text) => deliver(text) };
}

test('messages for every page are gathered and written in order with one write per page, the latest counts last', async () => {
  const { hub, deliver } = await hubWith();
  const pages = [new PageResponse(), new PageResponse(), new PageResponse()];
  for (const page of pages) await hub.open(page as unknown as Response, 'session');
  await turn();
  const before = pages.map((p) => p.writes.length);

  for (let n = 1; n <= 5; n++) deliver(JSON.stringify({ type: 'transfer', card: card(n) }));
  deliver(JSON.stringify({ type: 'outcomes', day: '2026-12-01', counts: { transferred: 1 } }));
  deliver(JSON.stringify({ type: 'dial', callSid: card(1).callSid, dial: { result: 'busy', at: '2026-12-01T05:00:05.000Z' } }));
  deliver(JSON.stringify({ type: 'outcomes', day: '2026-12-01', counts: { transferred: 5 } }));
  expect(pages.map((p) => p.writes.length)).toEqual(before);

  await new Promise((resolve) => setTimeout(resolve, 400));
  for (const [i, page] of pages.entries()) {
    expect(page.writes.length).toBe(before[i]! + 1);
    const events = [...page.writes.at(-1)!.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(events).toEqual(['transfer', 'transfer', 'transfer', 'transfer', 'transfer', 'dial', 'outcomes']);
    const ids = [...page.writes.at(-1)!.matchAll(/"id":"([^"]+)"/g)].map((m) => m[1]);
    expect(ids.slice(0, 5)).toEqual([1, 2, 3, 4, 5].map((n) => expect.stringContaining(String(n))));
  }
  hub.stop();
});

test('callbacks that change many times in a moment: each is read and sent once; after an expiry, the open list once', async () => {
  const reads: string[] = [];
  const waiting = (id: string, status: string) => ({
    id,
    reference: '123456',
    reason: 'The caller asked for the desk.',
    told: [],
    number: '+16135550123',
    numberFrom: 'calling',
    askedAt: Date.parse('2026-12-01T15:00:00Z'),
    status,
    claimedBy: status === 'claimed' ? 'bob' : null,
    closedAt: null,
  });
  const { hub, deliver } = await hubWith({
    callbacks: callbacksReading(reads, (id) => (id === 'CA1' ? waiting(id, 'claimed') : waiting(id, 'done'))),
  });
  const page = new PageResponse();
  await hub.open(page as unknown as Response, 'session');
  await turn();
  reads.length = 0;
  const writesBefore = page.writes.length;
  for (let n = 0; n < 20; n++) deliver(JSON.stringify({ type: 'callbacks', id: n % 2 === 0 ? 'CA1' : 'CA2' }));
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(reads.sort()).toEqual(['CA1', 'CA2']);
  const sent = page.writes
    .slice(writesBefore)
    .join('')
    .split('\n\n')
    .filter((b) => b.startsWith('event: callback'));
  expect(sent).toHaveLength(2);
  const byId = Object.fromEntries(
    sent.map((b) => JSON.parse(b.split('\ndata: ')[1]!) as { id: string; html: string | null }).map((d) => [d.id, d]),
  );
  // Claimed: its card again; done: taken away.
  expect(byId['callback-CA1']!.html).toContain('Claimed by <strong>bob</strong>');
  expect(byId['callback-CA2']!.html).toBeNull();

  reads.length = 0;
  for (let n = 0; n < 5; n++) deliver(JSON.stringify({ type: 'callbacks' }));
  deliver(JSON.stringify({ type: 'callbacks', id: 'CA1' }));
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(reads).toEqual(['open list']);
  expect(page.writes.filter((w) => w.startsWith('event: callbacks'))).toHaveLength(1);
  hub.stop();
});

test('with many pages open, a few are written to each turn, so that webhooks run between; each page in order', async () => {
  const { hub, deliver } = await hubWith();
  const pages = Array.from({ length: 25 }, () => new PageResponse());
  for (const page of pages) await hub.open(page as unknown as Response, 'session');
  // Each page's day, a few pages a turn.
  await turn();
  expect(pages.filter((p) => p.writes.some((w) => w.startsWith('event: snapshot')))).toHaveLength(10);
  for (let i = 0; i < 3; i++) await turn();
  expect(pages.every((p) => p.writes.some((w) => w.startsWith('event: snapshot')))).toBe(true);

  deliver(JSON.stringify({ type: 'transfer', card: card(1) }));
  const told = () => pages.filter((p) => p.writes.some((w) => w.includes('"id":"call-CA'))).length;
  // Gathered for 200 ms, then written to 10 pages a turn.
  const gathered = Date.now() + 1000;
  while (told() === 0 && Date.now() < gathered) await turn();
  expect(told()).toBe(10);
  await turn();
  expect(told()).toBe(20);
  await turn();
  expect(told()).toBe(25);

  // Stopped while a transfer waits for its turn: each page gets the transfer, then its end.
  deliver(JSON.stringify({ type: 'transfer', card: card(2) }));
  hub.stop();
  for (const page of pages) {
    const last = page.writes.slice(-2);
    expect(last[0]).toContain(card(2).callSid);
    expect(last[1]).toBe('(end)');
  }
});

test('a page signed out elsewhere gets what was gathered for it, then the sign-out, then the end of its stream', async () => {
  const { hub, deliver } = await hubWith();
  const page = new PageResponse();
  const other = new PageResponse();
  await hub.open(page as unknown as Response, 'session');
  await hub.open(other as unknown as Response, 'another');
  deliver(JSON.stringify({ type: 'transfer', card: card(3) }));
  deliver(JSON.stringify({ type: 'signed-out', session: 'session' }));
  for (let i = 0; i < 2; i++) await turn();
  const events = page.writes.map((w) => /^event: (\S+)/.exec(w)?.[1] ?? w);
  expect(events.slice(-4)).toEqual(['snapshot', 'transfer', 'signed-out', '(end)']);
  expect(other.writableEnded).toBe(false);
  // The other page still gets what comes.
  deliver(JSON.stringify({ type: 'transfer', card: card(4) }));
  await new Promise((resolve) => setTimeout(resolve, 250));
  await turn();
  expect(other.writes.at(-1)).toContain(card(4).callSid);
  hub.stop();
});

test('a callback that could not be read is not left wrong on the pages: the whole open list goes once it can be read', async () => {
  jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
  try {
    let failing = true;
    const reads: string[] = [];
    const { hub, deliver } = await hubWith({
      callbacks: callbacksReading(reads, () => {
        if (failing) throw new Error('the store did not answer');
        return null;
      }),
    });
    const page = new PageResponse();
    await hub.open(page as unknown as Response, 'session');
    await turn();
    reads.length = 0;
    deliver(JSON.stringify({ type: 'callbacks', id: 'CA1' }));
    await jest.advanceTimersByTimeAsync(250);
    expect(reads).toEqual(['CA1']);
    failing = false;
    await jest.advanceTimersByTimeAsync(5000);
    expect(reads).toEqual(['CA1', 'open list']);
    await turn();
    expect(page.writes.filter((w) => w.startsWith('event: callbacks'))).toHaveLength(1);
    hub.stop();
  } finally {
    jest.useRealTimers();
  }
});

test('the page is told it is not live while the subscription is down or desk events wait for the store, and live again after', async () => {
  let connection: (up: boolean) => void = () => undefined;
  const desk = { day: async () => ({ cards: [], counts: {} }), today: () => '2026-12-01', backlog: 0 };
  const { hub } = await hubWith({
    desk,
    store: {
      subscribe: (handlers: { connection: (up: boolean) => void }) => {
        connection = handlers.connection;
        return () => undefined;
      },
    },
  });
  const statuses = (page: PageResponse) =>
    page.writes
      .join('')
      .split('\n\n')
      .filter((frame) => frame.startsWith('event: status'))
      .map((frame) => JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as { live: boolean; text: string });
  const page = new PageResponse();
  await hub.open(page as unknown as Response, 'session');
  await turn();
  expect(statuses(page)).toEqual([{ live: true, text: LIVE_TEXT }]);
  // Its first message says so, before the day.
  expect(page.writes.join('').indexOf('event: status')).toBeLessThan(page.writes.join('').indexOf('event: snapshot'));

  connection(false);
  await turn();
  expect(statuses(page).at(-1)).toEqual({
    live: false,
    text: 'Reconnecting — updates paused. Transfers that come meanwhile will appear when the connection is back.',
  });
  expect(NOT_LIVE_TEXT).toMatch(/^Reconnecting — updates paused/);

  // A page opened meanwhile is told at once.
  const later = new PageResponse();
  await hub.open(later as unknown as Response, 'session');
  await turn();
  expect(statuses(later)).toEqual([{ live: false, text: NOT_LIVE_TEXT }]);

  // The subscription is back, but events still wait for the store: not live until they are written.
  desk.backlog = 2;
  connection(true);
  await new Promise((resolve) => setTimeout(resolve, 1200));
  expect(statuses(page).at(-1)?.live).toBe(false);
  desk.backlog = 0;
  await new Promise((resolve) => setTimeout(resolve, 1200));
  expect(statuses(page).at(-1)).toEqual({ live: true, text: LIVE_TEXT });
  expect(statuses(later).at(-1)).toEqual({ live: true, text: LIVE_TEXT });
  expect(statuses(page)).toHaveLength(3);
  hub.stop();
});
