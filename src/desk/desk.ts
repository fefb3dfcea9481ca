import type { Logger } from '../common/log';
import { withDeadline } from '../common/deadline';
import type { FlowRegistry } from '../engine/registry';
import { referenceFor } from '../engine/step';
import { isEnded, type CallSummary, type SessionRecord, type SessionStore } from '../store/session-store';
import { callSid as callSidSchema } from '../telephony/params';
import type { CallEnd, CallObserver, DialEnd, FollowUp, TransferStart } from '../turn/call-observer';
import type { DeskMetrics } from './outcomes/desk-metrics';
import type { DayLog, LiveChannel, ReferenceIndex } from './desk-store';
import { dialResultOf, foldDay, type LiveMessage, type TransferCard } from './live/live-messages';
import { reasonFor } from './transfer-facts';
import { closedDeskOutcome } from './outcomes/closed-desk';
import { dayOf } from './time';

export interface DeskDeps {
  /** The day's log and the reference index it keeps; the channel only to tell the pages of a sign-out. */
  store: DayLog & ReferenceIndex & Pick<LiveChannel, 'publish'>;
  calls: SessionStore;
  flows: FlowRegistry;
  logger: Logger;
  metrics: DeskMetrics;
  timeZone: string;
  /** How long an ended call's summary is kept (SUMMARY_TTL_SECONDS): search finds a call for as long. */
  summaryTtlSeconds: number;
  /** How long a live call may last (DESK_SESSION_TTL_SECONDS): search finds a call in progress for as long. */
  liveCallTtlSeconds: number;
  /** Longest wait for one store operation. */
  storeTimeoutMs: number;
  now?: () => Date;
  /** How many events the store did not take are kept to write again, at most (DESK_MISSED_MAX by default). */
  missedMax?: number;
  /** How often they are tried again (MISSED_RETRY_MS by default). */
  missedRetryMs?: number;
}

/** A day's transfers (their cards) and outcome counts. */
export interface Day {
  day: string;
  cards: TransferCard[];
  counts: Record<string, number>;
}

/** A call found by its reference: in progress or ended (with its summary), and its card when today has one. */
export interface FoundCall {
  callSid: string;
  reference: string;
  live: SessionRecord | null;
  summary: CallSummary | null;
  card: TransferCard | null;
}

/**
 * How long the desk's events wait to be written together. Each write to Redis, and each message it then sends every
 * instance, wakes both processes: written together (src/backend/redis/desk-store.ts), Redis's reads per webhook went
 * from 1.47 to 1.01 and its writes from 1.71 to 1.04 with 100 pages at 250 calls/s (docs/performance.md). Well
 * within the 2 s in which a transfer must reach the page.
 */
export const DESK_BATCH_MS = 100;

/**
 * Desk events the store did not take (Redis down or too slow), kept in this process to be written when it is back,
 * with their own times: the pages of every instance then get them. Past this many the oldest are dropped, logged
 * and counted (portal_line_desk_events_dropped_total): memory stays bounded however long Redis is away.
 */
export const DESK_MISSED_MAX = 1000;
/** How often the events kept are tried again while the store does not take them. */
const MISSED_RETRY_MS = 1000;

/** A day's transfers, dials and counts: kept two days, so that today's are there all day in any time zone. */
const DAY_RETENTION = { keep: 2000, ttlSeconds: 2 * 24 * 60 * 60 };
/** A call's own transfers and dials, for the search: a call dials the desk three times at most; room to spare. */
const CALL_KEEP = 20;

/**
 * What the desk page knows, and how it learns it: as the observer of the webhooks, it records each transfer, dial
 * outcome and call outcome of the day in the store and publishes it to every instance's open pages. Nothing it does
 * keeps a webhook waiting, and its faults never reach a caller: they are logged and counted.
 */
export class Desk implements CallObserver {
  private readonly now: () => Date;
  /** Events waiting to be written together, each as its work on the store. */
  private waiting: { operation: string; work: () => Promise<void> }[] = [];
  private batchTimer: NodeJS.Timeout | undefined;
  private readonly running = new Set<Promise<void>>();
  /** Events the store did not take, oldest first, to be written again in order; newer events wait behind them. */
  private missed: { operation: string; work: () => Promise<void> }[] = [];
  private missedTimer: NodeJS.Timeout | undefined;
  private retrying: Promise<void> | undefined;

  constructor(private readonly deps: DeskDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  today(): string {
    return dayOf(this.now(), this.deps.timeZone);
  }

  /** Queues an event's work: the events of DESK_BATCH_MS are started in one turn, their commands sent together. */
  private background(operation: string, work: () => Promise<void>): void {
    this.waiting.push({ operation, work });
    this.batchTimer ??= setTimeout(() => this.writeWaiting(), DESK_BATCH_MS);
  }

  /** Starts every waiting event's work now (also when the process stops: nothing waiting is lost). */
  writeWaiting(): void {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    const now = this.waiting;
    this.waiting = [];
    // While earlier events wait for the store, later ones go behind them: a dial never lands before its transfer.
    if (this.missed.length > 0) {
      this.keep(now);
      return;
    }
    for (const { operation, work } of now) {
      const done = this.run(operation, work);
      this.running.add(done);
      void done.finally(() => this.running.delete(done));
    }
  }

  /** Writes what waits and resolves once every event's work has ended: before the store closes. */
  async settle(): Promise<void> {
    this.writeWaiting();
    await Promise.all(this.running);
    // One more try for what the store did not take (a process stopping loses what is still kept after it).
    if (this.missed.length > 0) await this.writeMissed();
    clearTimeout(this.missedTimer);
    this.missedTimer = undefined;
  }

  /** How many events wait for the store to take them: while any do, the pages are not live. */
  get backlog(): number {
    return this.missed.length;
  }

  private async run(operation: string, work: () => Promise<void>): Promise<void> {
    try {
      await withDeadline(work(), this.deps.storeTimeoutMs * 4, `desk ${operation}`);
    } catch (error) {
      this.deps.metrics.problem(operation);
      this.deps.logger.warn({ desk: operation, error: (error as Error).message }, 'desk: not recorded yet, kept to write again');
      this.keep([{ operation, work }]);
    }
  }

  /** Keeps events to write again, at most missedMax (the oldest are dropped), and tries again later. */
  private keep(events: { operation: string; work: () => Promise<void> }[]): void {
    if (events.length === 0) return;
    this.missed.push(...events);
    const over = this.missed.length - (this.deps.missedMax ?? DESK_MISSED_MAX);
    if (over > 0) {
      const dropped = this.missed.splice(0, over);
      for (const { operation } of dropped) this.deps.metrics.dropped(operation);
      this.deps.logger.error({ dropped: dropped.length }, 'desk: events dropped, too many waiting for the store');
    }
    this.deps.metrics.waiting(this.missed.length);
    this.retryMissed();
  }

  private retryMissed(): void {
    this.missedTimer ??= setTimeout(() => {
      this.missedTimer = undefined;
      void this.writeMissed();
    }, this.deps.missedRetryMs ?? MISSED_RETRY_MS);
    this.missedTimer.unref();
  }

  /**
   * Writes the events kept, in order, each once (their writes are idempotent: see DayRecord.id); stops at the first
   * the store still does not take, and tries again later.
   */
  private writeMissed(): Promise<void> {
    this.retrying ??= (async () => {
      let written = 0;
      try {
        while (this.missed.length > 0) {
          const { operation, work } = this.missed[0]!;
          try {
            await withDeadline(work(), this.deps.storeTimeoutMs * 4, `desk ${operation}`);
          } catch {
            this.retryMissed();
            return;
          }
          this.missed.shift();
          written++;
        }
      } finally {
        this.deps.metrics.waiting(this.missed.length);
        if (written > 0) this.deps.logger.info({ written, waiting: this.missed.length }, 'desk: events kept meanwhile written');
        this.retrying = undefined;
      }
    })();
    return this.retrying;
  }

  private async publish(message: LiveMessage): Promise<void> {
    await this.deps.store.publish(JSON.stringify(message));
  }

  transferStarted(transfer: TransferStart): void {
    if (!callSidSchema.safeParse(transfer.callSid).success) return;
    const at = this.now();
    this.background('transfer', () => this.recordTransfer(transfer, at));
  }

  /** The card a transfer makes. */
  cardOf(transfer: TransferStart, at: Date): TransferCard {
    const { flows } = this.deps;
    const reference = referenceFor(transfer.callSid);
    const reason = reasonFor(flows, transfer.cause, reference);
    return {
      callSid: transfer.callSid,
      reference,
      at: at.toISOString(),
      reasonId: reason.id,
      reason: reason.text,
      notes: transfer.history,
      path: transfer.path ?? [],
      ...(transfer.cause.kind === 'flow' && { flowId: transfer.cause.flowId }),
      from: transfer.from ?? null,
      attempt: 1,
      dial: null,
    };
  }

  /** How long a call's own events and its reference are kept: while it may be live, and as long as its summary. */
  private get callRetention() {
    return { keep: CALL_KEEP, ttlSeconds: Math.max(this.deps.summaryTtlSeconds, this.deps.liveCallTtlSeconds) };
  }

  private async recordTransfer(transfer: TransferStart, at: Date): Promise<void> {
    const day = dayOf(at, this.deps.timeZone);
    const card = this.cardOf(transfer, at);
    const redial = transfer.cause.redial === true;
    const { store } = this.deps;
    const event = JSON.stringify({ type: 'transfer', card } satisfies LiveMessage);
    const [result] = await Promise.all([
      // Published with the attempt the store counts, and the day's counts when this transfer counted the call.
      store.record(
        day,
        {
          id: `transfer:${card.callSid}:${card.at}`,
          event,
          attemptOf: card.callSid,
          ...(redial ? {} : { countOnce: { callSid: card.callSid, outcome: `transferred:${card.reasonId}` } }),
          publish: event,
        },
        DAY_RETENTION,
      ),
      store.indexReference(card.reference, card.callSid, this.callRetention.ttlSeconds),
      // The call's own copy, with the caller's number: the search finds it for as long as the call's summary is kept.
      store.recordCall(card.callSid, event, this.callRetention),
    ]);
    if (result.counts !== null) this.deps.metrics.counted('transferred', card.reasonId);
  }

  dialEnded(dial: DialEnd): void {
    if (!callSidSchema.safeParse(dial.callSid).success) return;
    const at = this.now();
    this.background('dial', async () => {
      const message: LiveMessage = {
        type: 'dial',
        callSid: dial.callSid,
        dial: { result: dialResultOf(dial.status), at: at.toISOString() },
      };
      const event = JSON.stringify(message);
      await Promise.all([
        this.deps.store.record(
          dayOf(at, this.deps.timeZone),
          { id: `dial:${dial.callSid}:${message.dial.at}`, event, publish: event },
          DAY_RETENTION,
        ),
        this.deps.store.recordCall(dial.callSid, event, this.callRetention),
      ]);
    });
  }

  /** A callback or a text the caller asked for, and how it went: on the call's card, on every page. */
  followUp(followUp: FollowUp): void {
    if (!callSidSchema.safeParse(followUp.callSid).success) return;
    const at = this.now();
    this.background('follow-up', async () => {
      const message: LiveMessage = {
        type: 'follow-up',
        callSid: followUp.callSid,
        followUp: {
          id: followUp.id,
          kind: followUp.kind,
          state: followUp.state,
          at: at.toISOString(),
          ...(followUp.code !== undefined && { code: followUp.code }),
        },
      };
      const event = JSON.stringify(message);
      await Promise.all([
        this.deps.store.record(dayOf(at, this.deps.timeZone), { event, publish: event }, DAY_RETENTION),
        this.deps.store.recordCall(followUp.callSid, event, this.callRetention),
      ]);
    });
  }

  callEnded({ callSid, summary }: CallEnd): void {
    if (summary === null || !callSidSchema.safeParse(callSid).success) return;
    const day = this.today();
    this.background('end', async () => {
      const { store, summaryTtlSeconds } = this.deps;
      const kept =
        summaryTtlSeconds > 0
          ? [store.indexReference(summary.reference, callSid, summaryTtlSeconds), store.keepCall(callSid, summaryTtlSeconds)]
          : [];
      // A transferred call was counted when its transfer started. A call that met the closed desk dialled nothing
      // there: it is counted now, by what the caller did then, or as solved when they went back to the menu and
      // solved it (a transfer made later, once the desk opened, was counted first). Counting publishes the counts.
      const flow = this.deps.flows.get(summary.flowId)?.flow;
      const solved = flow?.nodes[summary.lastNode]?.type === 'end';
      const metClosedDesk = closedDeskOutcome(summary);
      const closed = solved ? null : metClosedDesk;
      const transferred = summary.transfer !== null && summary.transfer !== undefined && metClosedDesk === null;
      const outcome = closed ?? (solved ? 'solved' : 'hung-up');
      const counting = transferred ? null : store.record(day, { countOnce: { callSid, outcome } }, DAY_RETENTION);
      const [result] = await Promise.all([counting, ...kept]);
      if (result?.counts !== null && result?.counts !== undefined)
        this.deps.metrics.counted(outcome, closed === null ? undefined : (summary.transfer ?? undefined));
    });
  }

  /** A sign-in ended: the pages open with it close, on every instance. */
  async signedOut(session: string): Promise<void> {
    await this.publish({ type: 'signed-out', session });
  }

  /** Today's transfers, most recent first, and today's counts. */
  async day(day = this.today()): Promise<Day> {
    const [events, counts] = await Promise.all([this.deps.store.events(day), this.deps.store.outcomes(day)]);
    return { day, cards: foldDay(events), counts };
  }

  /** The calls with this reference: in progress, or ended while their summary is kept; each with its transfer card. */
  async search(reference: string): Promise<FoundCall[]> {
    const { store, calls } = this.deps;
    const [sids, today] = await Promise.all([store.callsWithReference(reference), this.day()]);
    const found = await Promise.all(
      sids.map(async (callSid): Promise<FoundCall | null> => {
        const [stored, events] = await Promise.all([calls.load(callSid), store.callEvents(callSid)]);
        // The call's own copy outlives the day's list; the day's serves calls transferred before it was kept.
        const card = foldDay(events)[0] ?? today.cards.find((c) => c.callSid === callSid) ?? null;
        if (stored === null) return card === null ? null : { callSid, reference, live: null, summary: null, card };
        if (isEnded(stored))
          return stored.summary === null && card === null ? null : { callSid, reference, live: null, summary: stored.summary, card };
        return { callSid, reference, live: stored.record, summary: null, card };
      }),
    );
    const at = (f: FoundCall) => f.summary?.endedAt ?? f.card?.at ?? '9999';
    return found.filter((f): f is FoundCall => f !== null).sort((a, b) => at(b).localeCompare(at(a)));
  }
}
