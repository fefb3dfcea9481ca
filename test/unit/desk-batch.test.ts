import { createLogger } from '../../src/common/log';
import { Desk, DESK_BATCH_MS } from '../../src/desk/desk';
import { DeskMetrics } from '../../src/desk/desk-metrics';
import type { DayRecord } from '../../src/desk/desk-store';
import { MemoryDeskStore } from '../../src/desk/memory-desk-store';
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
