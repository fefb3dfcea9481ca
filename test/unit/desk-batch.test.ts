import { createLogger } from '../../src/common/log';
import { Desk, DESK_BATCH_MS } from '../../src/desk/desk';
import { DeskMetrics } from '../../src/desk/outcomes/desk-metrics';
import type { DayRecord } from '../../src/desk/desk-store';
import { MemoryDeskStore } from '../../src/backend/memory/desk-store';
import { FlowRegistry } from '../../src/engine/registry';
import { Metrics } from '../../src/common/metrics';
import type { SessionStore } from '../../src/store/session-store';

const sid = (n: number) => `CA${String(n).padStart(32, '0')}`;

test('the desk writes the events of 100 ms together, each dated when it happened; settle writes what still waits', async () => {
  let clock = Date.parse('2026-12-01T15:00:00Z');
  const store = new MemoryDeskStore(() => clock);
  const recorded: DayRecord[] = [];
  const record = store.record.bind(store);
  store.record = (day, what, retention) => {
    recorded.push(what);
    return record(day, what, retention);
  };
  const desk = new Desk({
    store,
    calls: {} as SessionStore,
    flows: FlowRegistry.fromDir('call-flows', 'portal-login'),
    logger: createLogger('silent'),
    metrics: new DeskMetrics(new Metrics()),
    timeZone: 'America/Toronto',
    summaryTtlSeconds: 3600,
    liveCallTtlSeconds: 3600,
    storeTimeoutMs: 1000,
    now: () => new Date(clock),
  });
  const rescue = { cause: { kind: 'rescue', why: 'stateLost' } as const, history: null, path: null, from: '+16135550123' };

  desk.transferStarted({ callSid: sid(1), ...rescue });
  // The dial ends 50 s later by the clock, within the same 100 ms of the event loop.
  clock += 50_000;
  desk.dialEnded({ callSid: sid(1), status: 'busy' });
  expect(recorded).toHaveLength(0);
  await new Promise((resolve) => setTimeout(resolve, DESK_BATCH_MS + 50));
  expect(recorded).toHaveLength(2);
  const [card] = (await desk.day('2026-12-01')).cards;
  expect(card!.at).toBe('2026-12-01T15:00:00.000Z');
  expect(card!.dial).toEqual({ result: 'busy', at: '2026-12-01T15:00:50.000Z' });

  // Stopping: what waits is written, and settle resolves once it is.
  desk.transferStarted({ callSid: sid(2), ...rescue });
  await desk.settle();
  expect(recorded).toHaveLength(3);
  expect((await desk.day('2026-12-01')).cards.map((c) => c.callSid)).toEqual([sid(2), sid(1)]);
  await store.close();
});

test('events the store does not take are kept, at most missedMax (the oldest dropped, counted), and written in order once it does', async () => {
  let clock = Date.parse('2026-12-01T15:00:00Z');
  const store = new MemoryDeskStore(() => clock);
  let down = true;
  const record = store.record.bind(store);
  store.record = (day, what, retention) => (down ? Promise.reject(new Error('Connection is closed.')) : record(day, what, retention));
  const metrics = new Metrics();
  const desk = new Desk({
    store,
    calls: {} as SessionStore,
    flows: FlowRegistry.fromDir('call-flows', 'portal-login'),
    logger: createLogger('silent'),
    metrics: new DeskMetrics(metrics),
    timeZone: 'America/Toronto',
    summaryTtlSeconds: 3600,
    liveCallTtlSeconds: 3600,
    storeTimeoutMs: 1000,
    now: () => new Date(clock),
    missedMax: 3,
    missedRetryMs: 50,
  });
  const rescue = { cause: { kind: 'rescue', why: 'stateLost' } as const, history: null, path: null, from: '+16135550123' };
  for (const n of [1, 2, 3]) {
    desk.transferStarted({ callSid: sid(n), ...rescue });
    clock += 1000;
  }
  desk.dialEnded({ callSid: sid(3), status: 'busy' });
  await new Promise((resolve) => setTimeout(resolve, DESK_BATCH_MS + 150));
  // Four events, three kept: the oldest transfer is dropped, and counted.
  expect(desk.backlog).toBe(3);
  const text = await metrics.registry.metrics();
  expect(text).toContain('portal_line_desk_events_dropped_total{operation="transfer"} 1');
  expect(text).toContain('portal_line_desk_events_waiting 3');

  down = false;
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(desk.backlog).toBe(0);
  const cards = (await desk.day('2026-12-01')).cards;
  expect(cards.map((c) => [c.callSid, c.at])).toEqual([
    [sid(3), '2026-12-01T15:00:02.000Z'],
    [sid(2), '2026-12-01T15:00:01.000Z'],
  ]);
  // The dial came after its transfer, and stays on its card.
  expect(cards[0]!.dial).toEqual({ result: 'busy', at: '2026-12-01T15:00:03.000Z' });
  expect(await metrics.registry.metrics()).toContain('portal_line_desk_events_waiting 0');
  await desk.settle();
  await store.close();
});
