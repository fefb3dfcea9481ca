import type { CallEvent } from '../engine/call-machine';
import type { SpeakingContext } from '../engine/prompt';
import { advance, referenceFor, replay, startCall, type Turn } from '../engine/step';
import type { CompiledFlow } from '../engine/compile';
import type { FlowRegistry } from '../engine/registry';
import type { CallSummary, SaveOptions, SessionRecord, SessionStore, StoredSession } from '../store/session-store';
import { PromptRenderer, type RenderOptions } from '../telephony/twiml';
import { withDeadline } from '../common/deadline';
import type { Metrics } from '../common/metrics';
import { RecentCalls } from './recent-calls';
import type { Rescue } from './rescue';

export interface TurnDeps {
  store: SessionStore;
  flows: FlowRegistry;
  rescue: Rescue;
  render: RenderOptions;
  metrics: Metrics;
  sessionTtlSeconds: number;
  summaryTtlSeconds: number;
  /** How long one store operation may take before the caller is rescued to the desk. */
  storeTimeoutMs: number;
  /** How long a whole turn may take (it may need several store operations) before the caller is rescued. */
  turnTimeoutMs: number;
}

/** How a webhook turn ended, for the log line. */
export type Outcome = 'started' | 'advanced' | 'replayed' | 'restored' | 'state-lost' | 'unknown-flow' | 'conflict-replayed';

export interface TurnResult {
  twiml: string;
  node: string;
  outcome: Outcome;
}

/** How often a turn retries after losing a compare-and-set race before answering with what won it. */
const SAVE_ATTEMPTS = 3;

/**
 * One webhook turn: load the call, step it, save it with compare-and-set, answer with TwiML.
 *
 * `turn` is the `t` of the action URL: the session version the caller's prompt was made at. A request whose
 * `t` is not the stored version is a repeat (a Twilio retry, or the loser of a race) and gets the current prompt
 * again without advancing the call. A call this instance saved last is stepped from memory and saved directly:
 * one store round trip; when another instance moved it on, the save fails and the turn reloads.
 */
export class CallTurns {
  private readonly recent = new RecentCalls();
  private readonly renderer: PromptRenderer;

  constructor(private readonly deps: TurnDeps) {
    this.renderer = new PromptRenderer(deps.render);
  }

  private get speaking(): SpeakingContext {
    return { bsdNumber: this.deps.render.bsdNumber };
  }

  private render(turn: Turn, version: number, outcome: Outcome): TurnResult {
    return { twiml: this.renderer.render(turn.prompt, version), node: turn.prompt.node, outcome };
  }

  private async load(callSid: string): Promise<StoredSession | null> {
    this.deps.metrics.count('portal_line_store_round_trips_total', { operation: 'load' });
    const stored = await withDeadline(this.deps.store.load(callSid), this.deps.storeTimeoutMs, 'loading the call');
    if (stored === null) this.recent.delete(callSid);
    else this.recent.set(callSid, stored);
    return stored;
  }

  private async save(callSid: string, record: SessionRecord, expected: number, options: SaveOptions = {}): Promise<boolean> {
    this.deps.metrics.count('portal_line_store_round_trips_total', { operation: 'save' });
    const saved = await withDeadline(
      this.deps.store.save(callSid, record, expected, this.deps.sessionTtlSeconds, options),
      this.deps.storeTimeoutMs,
      'saving the call',
    );
    if (saved) this.recent.set(callSid, { version: expected + 1, record });
    else this.recent.delete(callSid);
    return saved;
  }

  private recordOf(compiled: CompiledFlow, turn: Turn): SessionRecord {
    return { flowId: compiled.flow.id, flowVersion: compiled.version, nodeVersion: turn.nodeVersion, call: turn.call };
  }

  /** The incoming-call webhook (`event` null) or a later turn with its event and `t`; within the turn timeout. */
  handle(callSid: string, event: CallEvent | null, turn: number | null): Promise<TurnResult> {
    return withDeadline(this.step(callSid, event, turn), this.deps.turnTimeoutMs, 'the turn');
  }

  private async step(callSid: string, event: CallEvent | null, turn: number | null): Promise<TurnResult> {
    const { flows } = this.deps;
    if (event === null) {
      // An incoming call is saved as new straight away; only a repeat of the webhook finds it there and reloads.
      const first = startCall(flows.entry, callSid, this.speaking);
      if (await this.save(callSid, this.recordOf(flows.entry, first), 0)) return this.render(first, 1, 'started');
    }
    const cached = event === null ? undefined : this.recent.get(callSid);
    const cachedFlow = cached === undefined ? undefined : flows.get(cached.record.flowId);
    if (cached !== undefined && cachedFlow !== undefined && event !== null && turn === cached.version) {
      const next = advance(cachedFlow, cached.record, event, this.speaking);
      if (await this.save(callSid, this.recordOf(cachedFlow, next), cached.version))
        return this.render(next, cached.version + 1, 'advanced');
    }
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      const stored = await this.load(callSid);
      if (stored === null && event !== null && cached !== undefined && cachedFlow !== undefined) {
        // The store lost the call (a restart without persistence) but this instance still has it: put it back.
        const next =
          turn === cached.version
            ? advance(cachedFlow, cached.record, event, this.speaking)
            : replay(cachedFlow, cached.record, this.speaking);
        // Unless the call has in fact ended (its status callback came while this turn was in flight).
        if (await this.save(callSid, this.recordOf(cachedFlow, next), 0, { unlessEnded: true })) return this.render(next, 1, 'restored');
        continue;
      }
      if (stored === null) {
        if (event !== null) return { twiml: this.deps.rescue.transfer(callSid), node: '(none)', outcome: 'state-lost' };
        const first = startCall(flows.entry, callSid, this.speaking);
        if (await this.save(callSid, this.recordOf(flows.entry, first), 0)) return this.render(first, 1, 'started');
        continue;
      }
      const compiled = flows.get(stored.record.flowId);
      if (compiled === undefined) {
        return {
          twiml: this.deps.rescue.transfer(callSid, stored.record.call.context.history),
          node: stored.record.call.value,
          outcome: 'unknown-flow',
        };
      }
      if (event === null || turn !== stored.version) {
        const outcome = attempt === 0 && cached === undefined ? 'replayed' : 'conflict-replayed';
        return this.render(replay(compiled, stored.record, this.speaking), stored.version, outcome);
      }
      const next = advance(compiled, stored.record, event, this.speaking);
      if (await this.save(callSid, this.recordOf(compiled, next), stored.version)) return this.render(next, stored.version + 1, 'advanced');
    }
    // Still losing races: answer with whatever the call says now.
    const stored = await this.load(callSid);
    const compiled = stored === null ? undefined : flows.get(stored.record.flowId);
    if (stored === null || compiled === undefined)
      return { twiml: this.deps.rescue.transfer(callSid), node: '(none)', outcome: 'state-lost' };
    return this.render(replay(compiled, stored.record, this.speaking), stored.version, 'conflict-replayed');
  }

  /**
   * The call is over (status callback): its session is replaced by a summary kept for `summaryTtlSeconds`.
   * Returns the summary, or null when the call's state was already gone.
   */
  end(callSid: string, callStatus: string, durationSeconds: number | null): Promise<CallSummary | null> {
    return withDeadline(this.summarizeAndEnd(callSid, callStatus, durationSeconds), this.deps.turnTimeoutMs, 'ending the call');
  }

  private async summarizeAndEnd(callSid: string, callStatus: string, durationSeconds: number | null): Promise<CallSummary | null> {
    const { store, storeTimeoutMs, summaryTtlSeconds } = this.deps;
    // The call ends with a compare-and-set on the version this instance saved last: one round trip. When another
    // instance answered the call's last turns, the failed compare-and-set returns the call as it is, and the
    // next attempt ends it at that version. An instance that has not seen the call reads it first.
    let known = this.recent.get(callSid) ?? (await this.load(callSid));
    this.recent.delete(callSid);
    for (let attempt = 0; attempt < SAVE_ATTEMPTS && known !== null; attempt++) {
      const summary = summaryOf(callSid, known, callStatus, durationSeconds);
      this.deps.metrics.count('portal_line_store_round_trips_total', { operation: 'end' });
      const result = await withDeadline(store.endAt(callSid, known.version, summary, summaryTtlSeconds), storeTimeoutMs, 'ending the call');
      if (result.ended) return summary;
      known = result.current;
    }
    // Gone already (ended, expired), or still changing after every attempt: remove what is there.
    const summary = known === null ? null : summaryOf(callSid, known, callStatus, durationSeconds);
    this.deps.metrics.count('portal_line_store_round_trips_total', { operation: 'end' });
    await withDeadline(store.end(callSid, summary, summaryTtlSeconds), storeTimeoutMs, 'ending the call');
    return summary;
  }
}

function summaryOf(callSid: string, stored: StoredSession, callStatus: string, durationSeconds: number | null): CallSummary {
  return {
    reference: referenceFor(callSid),
    flowId: stored.record.flowId,
    flowVersion: stored.record.flowVersion,
    lastNode: stored.record.call.value,
    history: stored.record.call.context.history,
    callStatus,
    durationSeconds,
    endedAt: new Date().toISOString(),
  };
}
