import { whisperFor, speaker, type Prompt, type SpeakingContext } from '../engine/prompt';
import { advance, referenceFor, startCall, type SavedCall } from '../engine/step';
import { OFFER_KEYS, SYSTEM, type CompiledFlow } from '../engine/compile';
import type { CallEvent } from '../engine/call-machine';
import { GLOBAL_KEYS } from '../flows/schema';
import { dialEvent } from '../telephony/events';
import { interpret, type Heard } from '../engine/understanding/speech';
import type { DialStatus, RescueQuery } from '../telephony/params';
import { askTwiml, endTwiml, transferTwiml, TwimlDocument, withQuery, type RenderOptions } from '../telephony/twiml';

/** How the rescue opens: a call that could not start, a call whose state is gone, or a redial (no opening). */
export type RescueOpening = 'technicalProblem' | 'stateLost' | 'none';

/**
 * The rescue path: a transfer to the desk that needs no call state. It answers the fallback URL, a call whose
 * state is lost or unreadable, and any internal fault, so that every caller still reaches a person.
 *
 * When the desk does not answer, the rescue asks "try again?" exactly as a call with state does: the flow's own
 * machine decides, from its desk-retry states, and the little it needs to remember (which question, failed
 * answers, dials so far, why the dial ended) travels in the webhook URLs instead of the store.
 */
export class Rescue {
  constructor(
    private readonly flow: CompiledFlow,
    private readonly options: RenderOptions,
    /** Outside the desk's hours: when it opens, in words; undefined while it is open (or has no hours). */
    private readonly closedNow: () => { opens: string } | undefined = () => undefined,
  ) {}

  private doc(): TwimlDocument {
    return new TwimlDocument(this.options.voice);
  }

  /** The rescue keeps no call state: it offers neither a callback nor a text message, only the desk. */
  private speaking(): SpeakingContext {
    const { bsdNumber, speech } = this.options;
    return { bsdNumber, callbacks: false, textMessages: false, ...(speech !== undefined && { speech }) };
  }

  /** Tell the caller, then dial the desk; the agent hears the reference and why. `deskTries`: dials that failed. */
  transfer(callSid: string, opening: RescueOpening = 'stateLost', deskTries = 0): string {
    const { flow } = this.flow;
    const reference = referenceFor(callSid);
    const say = speaker({ reference }, this.speaking());
    // Outside the desk's hours nobody would answer: say when it opens, its number and the reference (star repeats).
    const closed = this.closedNow();
    if (closed !== undefined) {
      const words = [say(flow.system.deskClosed, { opens: closed.opens }).replace(/\.\./g, '.'), say(flow.system.deskUnavailable)];
      return this.render({ kind: 'ask', node: SYSTEM.deskUnavailable, say: words, patient: false }, { s: 'u', n: 0, d: deskTries });
    }
    const why = opening === 'technicalProblem' ? flow.system.technicalProblem : flow.system.stateLost;
    const words = [...(opening === 'none' ? [] : [say(why.say), say(flow.phrases.reference)]), say(flow.system.holdOn)];
    const whisper = whisperFor(flow, reference, why.reason, this.speaking());
    const action = `${this.options.baseUrl}${withQuery('/voice/rescue/dial', { d: deskTries })}`;
    return transferTwiml(this.doc(), words, whisper, action, this.options).toString();
  }

  /** The answer to a webhook for a call that has ended: nothing more to say. */
  ended(): string {
    return this.doc().hangup().toString();
  }

  /** The desk's dial ended: goodbye after a conversation, otherwise what the flow says when the desk did not answer. */
  dialed(callSid: string, status: DialStatus, deskTries = 0): string {
    return this.step(callSid, this.saved(callSid, SYSTEM.redial, { n: 0, d: deskTries }), dialEvent(status)).twiml;
  }

  /**
   * The caller's answer (a key, speech or nothing) at the rescue's "try again?" question, or at its last words with
   * the desk's number; `redial` when the answer dials the desk again.
   */
  choice(callSid: string, event: CallEvent, query: RescueQuery): { twiml: string; heard: Heard; redial: boolean } {
    const at = query.s === 'u' ? SYSTEM.deskUnavailable : SYSTEM.dialFailed;
    const saved = this.saved(callSid, at, query);
    const { event: taken, heard } = interpret(this.flow.flow, at, saved.call.context, event, this.speaking().speech);
    // The main menu needs a call with state: start the call again, as a new call starts.
    if (taken.type === 'KEY' && taken.key.trim() === GLOBAL_KEYS.mainMenu)
      return { twiml: this.doc().redirect(`${this.options.baseUrl}/voice`).toString(), heard, redial: false };
    // The keys of a callback and a text message are not offered here: they count as wrong keys.
    const key = taken.type === 'KEY' ? taken.key.trim() : undefined;
    const offered = key !== OFFER_KEYS.callback && key !== OFFER_KEYS.text;
    return { ...this.step(callSid, saved, offered ? event : { type: 'KEY', key: '#' }), heard };
  }

  /** The call as the URL carried it: which question, failed answers, dials, why the last ended, what is confirmed. */
  private saved(callSid: string, at: string, query: Omit<RescueQuery, 's'>): SavedCall {
    const fresh = startCall(this.flow, callSid, this.speaking()).call;
    const confirming = query.c === undefined ? null : { key: query.c, confidence: query.k ?? 0 };
    return {
      flowVersion: this.flow.version,
      nodeVersion: this.flow.nodeVersions[at] ?? '',
      call: {
        value: at,
        context: { ...fresh.context, notice: null, failures: query.n, deskTries: query.d, dialProblem: query.p ?? null, confirming },
      },
    };
  }

  /** One step of the flow's machine from `saved`, rendered with rescue URLs; `redial` when it dials the desk again. */
  private step(callSid: string, saved: SavedCall, event: CallEvent): { twiml: string; redial: boolean } {
    const turn = advance(this.flow, saved, event, this.speaking());
    const { context } = turn.call;
    if (turn.call.value === SYSTEM.redial) return { twiml: this.transfer(callSid, 'none', context.deskTries), redial: true };
    const twiml = this.render(turn.prompt, {
      s: turn.call.value === SYSTEM.deskUnavailable ? 'u' : 'f',
      n: context.failures,
      d: context.deskTries,
      ...(context.dialProblem === null ? {} : { p: context.dialProblem }),
      ...(context.confirming === null ? {} : { c: context.confirming.key as RescueQuery['c'], k: context.confirming.confidence }),
    });
    return { twiml, redial: false };
  }

  private render(prompt: Prompt, query: RescueQuery): string {
    if (prompt.kind !== 'ask') return endTwiml(this.doc(), prompt.say).toString();
    const action = `${this.options.baseUrl}${withQuery('/voice/rescue/choice', query)}`;
    return askTwiml(this.doc(), prompt.say, action, this.options.gatherTimeoutSeconds, prompt.hints).toString();
  }
}
