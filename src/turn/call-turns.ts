import type { ActionOutcome, CallEvent } from '../engine/call-machine';
import type { CompiledFlow } from '../engine/compile';
import type { SpeakingContext } from '../engine/prompt';
import type { Heard } from '../engine/understanding/speech';
import type { FlowRegistry } from '../engine/registry';
import { advance, referenceFor, replay, settle, startCall, type Turn } from '../engine/step';
import { transferOf } from '../engine/prompt';
import type { FlowFile } from '../flows/schema';
import { fill, tidy } from '../flows/text';
import { SYSTEM } from '../engine/compile';
import { GLOBAL_KEYS } from '../flows/schema';
import { closedAt, type DeskHours } from '../common/hours';
import { randomUUID } from 'node:crypto';
import type { CallerRequest, RequestHandler } from './requests';
import { withDeadline } from '../common/deadline';
import type { Metrics } from '../common/metrics';
import {
  isEnded,
  type CallSummary,
  type Found,
  type Retention,
  type SessionRecord,
  type SessionStore,
  type StoredSession,
} from '../store/session-store';
import { PromptRenderer, type RenderOptions } from '../telephony/twiml';
import { flowTransfer, rescueTransfer, type TransferFacts } from './call-observer';
import { decide, type Decision } from './decide';
import { RecentCalls } from './recent-calls';
import type { Rescue } from './rescue';
import type { InsightsRecorder } from '../insights/insights-recorder';
import { answerOf, endFields, startFields, turnFields } from '../insights/insight-fields';

export interface TurnDeps {
  store: SessionStore;
  flows: FlowRegistry;
  rescue: Rescue;
  render: RenderOptions;
  metrics: Metrics;
  /** How long a call's state lives after its last turn. */
  sessionTtlSeconds: number;
  /** The same while the caller is with the desk: no webhook comes until the conversation ends. */
  deskSessionTtlSeconds: number;
  summaryTtlSeconds: number;
  /** How long one store operation may take before the caller is rescued to the desk. */
  storeTimeoutMs: number;
  /** How long a whole turn may take (it may need several store operations) before the caller is rescued. */
  turnTimeoutMs: number;
  /** The desk's office hours; undefined: always open. */
  hours?: DeskHours;
  /** Whether text messages can be sent: only then is "press 8" offered. */
  textMessages?: boolean;
  /**
   * Which numbers the desk may call back for a call from `from` to `to` (the caller's own is offered only when it
   * may; a keyed one is asked for again when it may not). Unset: any.
   */
  callbackNumbers?: (from: string | undefined, to: string | undefined) => SpeakingContext['callbackNumbers'];
  /** Keeps callbacks and queues text messages the caller asks for; without it every request is refused. */
  requests?: RequestHandler;
  /** The clock, for the desk's hours. */
  now?: () => Date;
  /**
   * The desk's announcement callers hear now, or null: read from this instance's memory at each new call, never
   * from the store (src/announcement/announcement-board.ts).
   */
  announcement?: () => { text: string; then: 'menu' | 'desk' } | null;
  /** Counts the flow's insights: each turn once its state is saved, each call's end (src/insights/). */
  insights?: Pick<InsightsRecorder, 'count'>;
}

/** How a webhook turn ended, for the log line. */
export type Outcome =
  | 'started'
  | 'announced'
  | 'advanced'
  | 'replayed'
  | 'restored'
  | 'ended-call'
  | 'after-desk'
  | 'state-lost'
  | 'unknown-flow'
  | 'conflict-replayed'
  | 'fault-rescued';

export interface TurnResult {
  twiml: string;
  node: string;
  outcome: Outcome;
  /** What the log line adds: why a fault was rescued, which versions a restore crossed. */
  extra?: Record<string, unknown>;
  /** Set when this turn started a transfer to the desk (not when it repeated one for a retried webhook). */
  transfer?: TransferFacts;
  /** How the caller answered and what it matched, when the answer was stepped (not for a retried webhook). */
  heard?: Heard;
}

/**
 * What one turn asked of the request handler. Once the turn has answered, nothing more is asked (its work may go on
 * after a deadline), and what the answer does not tell the caller is done is withdrawn.
 */
interface TurnRequests {
  answered: boolean;
  performed: CallerRequest[];
  /** The event is the line's own, not the caller's answer (after the announcement, straight to the desk). */
  byLine?: boolean;
}

/** How often a turn retries after losing a compare-and-set race before answering with what won it. */
const SAVE_ATTEMPTS = 3;

/** How a call's end went, for the log line. */
export type EndOutcome = { outcome: 'ended' | 'ended-unknown' | 'already-ended'; summary: CallSummary | null };

/**
 * One webhook turn: load the call, decide (decide.ts), save with compare-and-set, answer with TwiML. Any fault
 * (a slow or unreachable store) still answers: the caller is transferred to the desk, or thanked and let go
 * when the desk's conversation has just ended.
 */
export class CallTurns {
  private readonly recent = new RecentCalls();
  private readonly renderer: PromptRenderer;
  private readonly retention: Retention;

  constructor(private readonly deps: TurnDeps) {
    this.renderer = new PromptRenderer(deps.render);
    // An ended call stays ended for as long as its state could otherwise have lived.
    this.retention = {
      summaryTtlSeconds: deps.summaryTtlSeconds,
      endedTtlSeconds: Math.max(deps.sessionTtlSeconds, deps.deskSessionTtlSeconds),
    };
  }

  /** What the prompts say now: the desk's number, whether the desk is open (and when it opens), what can be sent. */
  private get speaking(): SpeakingContext {
    const { bsdNumber, speech } = this.deps.render;
    const speaking: SpeakingContext = { bsdNumber, textMessages: this.deps.textMessages === true, ...(speech !== undefined && { speech }) };
    const closed = closedAt(this.deps.hours, this.deps.now?.() ?? new Date());
    return closed === undefined ? speaking : { ...speaking, closed };
  }

  /** What the prompts say now, and which numbers a call from `from` to `to` may be called back on. */
  private speakingFor(from: string | undefined, to: string | undefined): SpeakingContext {
    const numbers = this.deps.callbackNumbers?.(from, to);
    return numbers === undefined ? this.speaking : { ...this.speaking, callbackNumbers: numbers };
  }

  /**
   * A turn that asked for a callback or a text message: done (kept, or queued) before the answer, and the call
   * moves on by how it went. A request that fails or takes too long has failed: the caller is told so, never that
   * it was done (the handler gives back what it counted).
   */
  private async settled(
    callSid: string,
    compiled: CompiledFlow,
    turn: Turn,
    from: string | undefined,
    to: string | undefined,
    asked: TurnRequests,
  ): Promise<Turn> {
    const { pending, reference, history, transfer } = turn.call.context;
    if (pending === null) return turn;
    let outcome: ActionOutcome = 'refused';
    // A turn already answered (its deadline passed while it waited on the store) asks for nothing more.
    if (this.deps.requests !== undefined && !asked.answered) {
      const reason = transferOf(compiled.flow, transfer ?? SYSTEM.bsdRequest).reason;
      const attempt = randomUUID();
      const request = { callSid, from, to, reference, flowId: compiled.flow.id, reason, told: history, pending, attempt };
      asked.performed.push(request);
      const abandoned = new AbortController();
      try {
        outcome = await withDeadline(
          this.deps.requests.perform(request, abandoned.signal),
          this.deps.storeTimeoutMs,
          'keeping the request',
        );
      } catch {
        // Logged by the handler; the caller hears it could not be done just now, and the handler undoes what it did.
        abandoned.abort();
        outcome = 'failed';
      }
    }
    return settle(compiled, turn, outcome, this.speaking);
  }

  /** The incoming-call webhook (`event` null) or a later turn with its event and `t`; always answers. */
  async handle(
    callSid: string,
    event: CallEvent | null,
    t: number | null,
    from?: string,
    to?: string,
    byLine = false,
  ): Promise<TurnResult> {
    const asked: TurnRequests = { answered: false, performed: [], byLine };
    const result = await this.answer(callSid, event, t, from, to, asked);
    asked.answered = true;
    this.countRescue(result);
    // The caller hears what the answer says: a callback it does not say is booked must not stay on the desk's list
    // (its write may land after the turn gave up on it, or its answer may have been lost). Another turn for the same
    // call that did say so keeps it (callback-store.ts).
    if (result.node !== SYSTEM.callbackBooked) for (const request of asked.performed) this.deps.requests?.withdraw(request);
    return result;
  }

  private async answer(
    callSid: string,
    event: CallEvent | null,
    t: number | null,
    from: string | undefined,
    to: string | undefined,
    asked: TurnRequests,
  ): Promise<TurnResult> {
    try {
      return await withDeadline(this.step(callSid, event, t, from, to, asked), this.deps.turnTimeoutMs, 'the turn');
    } catch (error) {
      // The store is slow or unreachable: answer without it.
      const extra = { error: (error as Error).message };
      if (event?.type === 'DIAL' && event.outcome === 'connected') return { ...this.afterDesk(callSid), outcome: 'fault-rescued', extra };
      const opening = event === null ? 'technicalProblem' : 'stateLost';
      const transfer = rescueTransfer(opening, null);
      return { twiml: this.deps.rescue.transfer(callSid, opening), node: '(none)', outcome: 'fault-rescued', extra, transfer };
    }
  }

  private async step(
    callSid: string,
    event: CallEvent | null,
    t: number | null,
    caller: string | undefined,
    called: string | undefined,
    asked: TurnRequests,
  ): Promise<TurnResult> {
    const knownFlow = (id: string) => this.deps.flows.get(id) !== undefined;
    const cached = event === null ? undefined : this.recent.get(callSid);
    let stored: Found | undefined;
    let saves = 0;
    for (;;) {
      const decision: Decision = decide({ stored, cached, event, t, knownFlow });
      if (saves === SAVE_ATTEMPTS && (decision.do === 'advance' || decision.do === 'restore'))
        // Still losing races: answer with whatever the call says now.
        return this.render(
          replay(this.flowOf(decision.from), decision.from.record, this.speaking),
          decision.from.version,
          'conflict-replayed',
        );
      switch (decision.do) {
        case 'load':
          stored = await this.load(callSid);
          continue;
        case 'start': {
          saves++;
          const announcement = this.deps.announcement?.() ?? null;
          const first = startCall(this.deps.flows.entry, callSid, this.speaking, announcement !== null);
          if (await this.save(callSid, this.deps.flows.entry, first, 0)) {
            this.deps.insights?.count(this.deps.flows.entry.flow.id, startFields(this.deps.flows.entry, first.call.value));
            return announcement === null ? this.render(first, 1, 'started') : this.announce(first, announcement);
          }
          break;
        }
        case 'advance': {
          saves++;
          const compiled = this.flowOf(decision.from);
          const stepped = advance(compiled, decision.from.record, event!, this.speakingFor(caller, called));
          const next = await this.settled(callSid, compiled, stepped, caller, called, asked);
          if (await this.save(callSid, compiled, next, decision.from.version)) {
            this.countTurn(compiled, decision.from, asked.byLine === true ? null : event!, stepped, next);
            return this.render(next, decision.from.version + 1, 'advanced', compiled);
          }
          break;
        }
        case 'restore': {
          saves++;
          const { from } = decision;
          const compiled = this.flowOf(from);
          const stepped = decision.step ? advance(compiled, from.record, event!, this.speakingFor(caller, called)) : undefined;
          const next =
            stepped === undefined
              ? replay(compiled, from.record, this.speaking)
              : await this.settled(callSid, compiled, stepped, caller, called, asked);
          const version = Math.max(from.version, decision.over) + 1;
          if (await this.restore(callSid, compiled, next, version)) {
            if (stepped !== undefined) this.countTurn(compiled, from, asked.byLine === true ? null : event!, stepped, next);
            return {
              ...this.render(next, version, 'restored', decision.step ? compiled : undefined),
              extra: { restoredFrom: from.version, storeHad: decision.over },
            };
          }
          break;
        }
        case 'replay': {
          const outcome = saves === 0 && cached === undefined ? 'replayed' : 'conflict-replayed';
          return this.render(replay(this.flowOf(decision.from), decision.from.record, this.speaking), decision.from.version, outcome);
        }
        case 'ended':
          return { twiml: this.deps.rescue.ended(), node: '(ended)', outcome: 'ended-call' };
        case 'afterDesk':
          return this.afterDesk(callSid);
        case 'rescue':
          return {
            twiml: this.deps.rescue.transfer(callSid),
            node: '(none)',
            outcome: decision.why,
            transfer: rescueTransfer(decision.why === 'state-lost' ? 'stateLost' : 'unknownFlow', decision.history),
          };
      }
      // A compare-and-set was lost (another instance moved the call on, or it ended): read it and decide again.
      stored = await this.load(callSid);
    }
  }

  /** Counts a turn saved: where the caller was, what they did (`event` null: nothing, the line moved on), where it led. */
  private countTurn(compiled: CompiledFlow, from: StoredSession, event: CallEvent | null, stepped: Turn, next: Turn): void {
    try {
      const answer = event === null ? undefined : answerOf(event, stepped);
      this.deps.insights?.count(compiled.flow.id, turnFields(compiled, from.record.call, next.call, answer));
    } catch {
      // Counting never costs the caller the turn that was saved.
    }
  }

  /** A new call's first turn while the desk has an announcement on: the greeting, then the announcement, once. */
  private announce(first: Turn, announcement: { text: string; then: 'menu' | 'desk' }): TurnResult {
    this.deps.metrics.count('portal_line_announcement_heard_total');
    // The first prompt opens with the greeting (its notice); the menu itself follows at /voice/announced.
    const greeting = first.prompt.say[0] ?? '';
    return {
      twiml: this.renderer.announcement(greeting, announcement.text, 1, announcement.then),
      node: first.prompt.node,
      outcome: 'announced',
      extra: { then: announcement.then },
    };
  }

  /**
   * The turn after the announcement (heard to its end, or skipped with a key, which is not an answer): the main menu
   * without the greeting said already, or straight to the desk, as 0 would. A repeated request gets the call's
   * prompt as it is now.
   */
  async afterAnnouncement(callSid: string, t: number, then: 'menu' | 'desk', from?: string, to?: string): Promise<TurnResult> {
    if (then === 'desk') return this.handle(callSid, { type: 'KEY', key: GLOBAL_KEYS.bsd }, t, from, to, true);
    let result: TurnResult;
    try {
      result = await withDeadline(this.menuAfterAnnouncement(callSid, t), this.deps.turnTimeoutMs, 'the turn');
    } catch (error) {
      const transfer = rescueTransfer('stateLost', null);
      const extra = { error: (error as Error).message };
      result = { twiml: this.deps.rescue.transfer(callSid, 'stateLost'), node: '(none)', outcome: 'fault-rescued', extra, transfer };
    }
    this.countRescue(result);
    return result;
  }

  /** A caller a fault of the line sent to the desk (not a redial they asked for), for the insights of the entry flow. */
  private countRescue(result: TurnResult): void {
    const cause = result.transfer?.cause;
    if (cause?.kind === 'rescue' && cause.redial !== true) this.deps.insights?.count(this.deps.flows.entry.flow.id, ['rescued']);
  }

  private async menuAfterAnnouncement(callSid: string, t: number): Promise<TurnResult> {
    const found = this.recent.get(callSid) ?? (await this.load(callSid));
    if (isEnded(found)) return { twiml: this.deps.rescue.ended(), node: '(ended)', outcome: 'ended-call' };
    const compiled = found === null ? undefined : this.deps.flows.get(found.record.flowId);
    if (found === null || compiled === undefined) {
      const history = found?.record.call.context.history ?? null;
      const why = found === null ? 'state-lost' : 'unknown-flow';
      const transfer = rescueTransfer(found === null ? 'stateLost' : 'unknownFlow', history);
      return { twiml: this.deps.rescue.transfer(callSid), node: '(none)', outcome: why, transfer };
    }
    const { call } = found.record;
    const greeted =
      found.version === t && call.context.notice === 'greeting'
        ? { ...found.record, call: { value: call.value, context: { ...call.context, notice: null } } }
        : found.record;
    return this.render(replay(compiled, greeted, this.speaking), found.version, 'replayed');
  }

  private afterDesk(callSid: string): TurnResult {
    return { twiml: this.deps.rescue.dialed(callSid, 'completed'), node: '(none)', outcome: 'after-desk' };
  }

  private flowOf(session: StoredSession): CompiledFlow {
    return this.deps.flows.get(session.record.flowId)!;
  }

  /** The turn's answer; `stepped` is the flow a new step was taken on, whose transfer, if it is one, has just begun. */
  private render(turn: Turn, version: number, outcome: Outcome, stepped?: CompiledFlow): TurnResult {
    const transfer = stepped === undefined ? undefined : flowTransfer(stepped, turn);
    return {
      twiml: this.renderer.render(turn.prompt, version),
      node: turn.prompt.node,
      outcome,
      ...(transfer && { transfer }),
      ...(turn.heard && { heard: turn.heard }),
    };
  }

  private recordOf(compiled: CompiledFlow, turn: Turn): SessionRecord {
    return { flowId: compiled.flow.id, flowVersion: compiled.version, nodeVersion: turn.nodeVersion, call: turn.call };
  }

  /** A caller with the desk sends no webhook until the conversation ends: their state lives longer then. */
  private ttlFor(turn: Turn): number {
    return turn.prompt.kind === 'transfer' ? this.deps.deskSessionTtlSeconds : this.deps.sessionTtlSeconds;
  }

  private async load(callSid: string): Promise<Found> {
    this.deps.metrics.count('portal_line_store_round_trips_total', { operation: 'load' });
    let found: Found;
    try {
      found = await withDeadline(this.deps.store.load(callSid), this.deps.storeTimeoutMs, 'loading the call');
    } catch (error) {
      this.deps.metrics.storeFailed('load', error);
      throw error;
    }
    if (found === null || isEnded(found)) this.recent.delete(callSid);
    else this.recent.set(callSid, found);
    return found;
  }

  /** Saves a turn with compare-and-set on `expected`; false when another instance moved the call on, or it ended. */
  private save(callSid: string, compiled: CompiledFlow, turn: Turn, expected: number): Promise<boolean> {
    return this.write(callSid, compiled, turn, 'save', expected + 1, (record, ttl) => this.deps.store.save(callSid, record, expected, ttl));
  }

  /** Puts a copy the store lost back at `version`; false when the store holds a newer one, or the call ended. */
  private restore(callSid: string, compiled: CompiledFlow, turn: Turn, version: number): Promise<boolean> {
    return this.write(callSid, compiled, turn, 'restore', version, (record, ttl) => this.deps.store.restore(callSid, record, version, ttl));
  }

  private async write(
    callSid: string,
    compiled: CompiledFlow,
    turn: Turn,
    operation: 'save' | 'restore',
    version: number,
    store: (record: SessionRecord, ttlSeconds: number) => Promise<boolean>,
  ): Promise<boolean> {
    this.deps.metrics.count('portal_line_store_round_trips_total', { operation });
    const record = this.recordOf(compiled, turn);
    let written: boolean;
    try {
      written = await withDeadline(
        store(record, this.ttlFor(turn)),
        this.deps.storeTimeoutMs,
        `${operation === 'save' ? 'saving' : 'restoring'} the call`,
      );
    } catch (error) {
      this.deps.metrics.storeFailed(operation, error);
      throw error;
    }
    if (written) this.recent.set(callSid, { version, record });
    else this.recent.delete(callSid);
    return written;
  }

  /**
   * The call is over (status callback): its session is replaced by the mark that it ended and a summary kept for
   * `summaryTtlSeconds`. A repeated status callback changes nothing.
   */
  end(callSid: string, callStatus: string, durationSeconds: number | null): Promise<EndOutcome> {
    return withDeadline(this.summarizeAndEnd(callSid, callStatus, durationSeconds), this.deps.turnTimeoutMs, 'ending the call');
  }

  /** One of the end's writes, its failure counted. */
  private async ending<T>(work: Promise<T>): Promise<T> {
    try {
      return await withDeadline(work, this.deps.storeTimeoutMs, 'ending the call');
    } catch (error) {
      this.deps.metrics.storeFailed('end', error);
      throw error;
    }
  }

  private async summarizeAndEnd(callSid: string, callStatus: string, durationSeconds: number | null): Promise<EndOutcome> {
    const { store } = this.deps;
    // The call ends with a compare-and-set on the version this instance saved last: one round trip. When another
    // instance answered the call's last turns, the failed compare-and-set returns the call as it is, and the
    // next attempt ends it at that version. An instance that has not seen the call reads it first.
    let known: StoredSession | null;
    const cached = this.recent.get(callSid);
    this.recent.delete(callSid);
    if (cached !== undefined) known = cached;
    else {
      const found = await this.load(callSid);
      if (isEnded(found)) return { outcome: 'already-ended', summary: found.summary };
      known = found;
    }
    for (let attempt = 0; attempt < SAVE_ATTEMPTS && known !== null; attempt++) {
      const summary = summaryOf(callSid, known, callStatus, durationSeconds, this.deps.flows.get(known.record.flowId)?.flow);
      this.deps.metrics.count('portal_line_store_round_trips_total', { operation: 'end' });
      const result = await this.ending(store.endAt(callSid, known.version, summary, this.retention));
      if (result.ended && !result.already) this.countEnded(known);
      if (result.ended) return result.already ? { outcome: 'already-ended', summary: null } : { outcome: 'ended', summary };
      known = result.current;
    }
    // Gone already (expired, lost), or still changing after every attempt: mark it ended as it is.
    const summary =
      known === null ? null : summaryOf(callSid, known, callStatus, durationSeconds, this.deps.flows.get(known.record.flowId)?.flow);
    this.deps.metrics.count('portal_line_store_round_trips_total', { operation: 'end' });
    await this.ending(store.end(callSid, summary, this.retention));
    if (known !== null) this.countEnded(known);
    return { outcome: summary === null ? 'ended-unknown' : 'ended', summary };
  }

  /** A call's end, for the insights and the announcement. */
  private countEnded(known: StoredSession): void {
    const { value, context } = known.record.call;
    this.deps.insights?.count(known.record.flowId, endFields(this.deps.flows.get(known.record.flowId)?.flow, value, context));
    this.countAnnounced(known);
  }

  /** A call that began with the announcement and ended where it began, nothing pressed: the announcement saved it. */
  private countAnnounced(known: StoredSession): void {
    const { context } = known.record.call;
    if (context.announced && context.path.length === 0 && known.record.call.value === this.deps.flows.get(known.record.flowId)?.flow.start)
      this.deps.metrics.count('portal_line_announcement_hung_up_total');
  }
}

function summaryOf(
  callSid: string,
  stored: StoredSession,
  callStatus: string,
  durationSeconds: number | null,
  flow: FlowFile | undefined,
): CallSummary {
  const reference = referenceFor(callSid);
  const { transfer } = stored.record.call.context;
  return {
    reference,
    flowId: stored.record.flowId,
    flowVersion: stored.record.flowVersion,
    lastNode: stored.record.call.value,
    history: stored.record.call.context.history,
    callStatus,
    durationSeconds,
    endedAt: new Date().toISOString(),
    transfer,
    ...(transfer !== null && flow !== undefined && { reason: tidy(fill(transferOf(flow, transfer).reason, { reference })) }),
    path: [...stored.record.call.context.path, stored.record.call.value],
    closedDesk: stored.record.call.context.metClosedDesk,
  };
}
