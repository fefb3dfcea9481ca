import type { CallEvent } from '../engine/call-machine';
import type { SpeakingContext } from '../engine/prompt';
import { advance, replay, startCall, type Turn } from '../engine/step';
import type { FlowRegistry } from '../flows/registry';
import type { SessionRecord, SessionStore } from '../store/session-store';
import { renderPrompt, withQuery, type RenderOptions } from '../telephony/twiml';
import { withDeadline } from './deadline';
import type { Rescue } from './rescue';

export interface TurnDeps {
  store: SessionStore;
  flows: FlowRegistry;
  rescue: Rescue;
  render: RenderOptions;
  sessionTtlSeconds: number;
  /** How long one store operation may take before the caller is rescued to the desk. */
  storeTimeoutMs: number;
}

/** How a webhook turn ended, for the log line. */
export type Outcome = 'started' | 'advanced' | 'replayed' | 'state-lost' | 'unknown-flow' | 'conflict-replayed';

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
 * again without advancing the call.
 */
export class CallTurns {
  constructor(private readonly deps: TurnDeps) {}

  private get speaking(): SpeakingContext {
    return { bsdNumber: this.deps.render.bsdNumber };
  }

  private render(turn: Turn, version: number, outcome: Outcome): TurnResult {
    const base = this.deps.render.baseUrl;
    const urls = {
      input: `${base}${withQuery('/voice/input', { t: version })}`,
      dial: `${base}${withQuery('/voice/dial', { t: version })}`,
    };
    return { twiml: renderPrompt(turn.prompt, urls, this.deps.render), node: turn.prompt.node, outcome };
  }

  private load(callSid: string) {
    return withDeadline(this.deps.store.load(callSid), this.deps.storeTimeoutMs, 'loading the call');
  }

  private save(callSid: string, record: SessionRecord, expected: number) {
    return withDeadline(
      this.deps.store.save(callSid, record, expected, this.deps.sessionTtlSeconds),
      this.deps.storeTimeoutMs,
      'saving the call',
    );
  }

  /** The incoming-call webhook (`event` null) or a later turn with its event and `t`. */
  async handle(callSid: string, event: CallEvent | null, turn: number | null): Promise<TurnResult> {
    const { flows } = this.deps;
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      const stored = await this.load(callSid);
      if (stored === null) {
        if (event !== null) return { twiml: this.deps.rescue.transfer(callSid), node: '(none)', outcome: 'state-lost' };
        const entry = flows.entry;
        const first = startCall(entry, callSid, this.speaking);
        const record = { flowId: entry.flow.id, flowVersion: entry.version, nodeVersion: first.nodeVersion, call: first.call };
        if (await this.save(callSid, record, 0)) return this.render(first, 1, 'started');
        continue;
      }
      const compiled = flows.get(stored.record.flowId);
      if (compiled === undefined) {
        return { twiml: this.deps.rescue.transfer(callSid, stored.record.call.context.history), node: stored.record.call.value, outcome: 'unknown-flow' };
      }
      if (event === null || turn !== stored.version) {
        const outcome = attempt === 0 ? 'replayed' : 'conflict-replayed';
        return this.render(replay(compiled, stored.record, this.speaking), stored.version, outcome);
      }
      const next = advance(compiled, stored.record, event, this.speaking);
      const record = { flowId: compiled.flow.id, flowVersion: compiled.version, nodeVersion: next.nodeVersion, call: next.call };
      if (await this.save(callSid, record, stored.version)) return this.render(next, stored.version + 1, 'advanced');
    }
    // Still losing races: answer with whatever the call says now.
    const stored = await this.load(callSid);
    const compiled = stored === null ? undefined : flows.get(stored.record.flowId);
    if (stored === null || compiled === undefined) return { twiml: this.deps.rescue.transfer(callSid), node: '(none)', outcome: 'state-lost' };
    return this.render(replay(compiled, stored.record, this.speaking), stored.version, 'conflict-replayed');
  }
}
