import { speaker, whisperFor, type SpeakingContext } from '../engine/prompt';
import { referenceFor } from '../engine/step';
import type { CompiledFlow } from '../engine/compile';
import type { DialStatus } from '../telephony/params';
import { askTwiml, endTwiml, transferTwiml, TwimlDocument, withQuery, type RenderOptions } from '../telephony/twiml';

/** Failed answers at the rescue's "try again?" question before it dials the desk again, as everywhere. */
const RESCUE_ATTEMPTS = 3;

/** How the rescue opens: a call that could not start, a call whose state is gone, or a redial (no opening). */
export type RescueOpening = 'technicalProblem' | 'stateLost' | 'none';

/**
 * The rescue path: a transfer to the desk that needs no call state. It answers the fallback URL, a call whose
 * state is lost or unreadable, and any internal fault, so that every caller still reaches a person.
 */
export class Rescue {
  constructor(
    private readonly flow: CompiledFlow,
    private readonly options: RenderOptions,
  ) {}

  private doc(): TwimlDocument {
    return new TwimlDocument(this.options.voice);
  }

  private speaking(): SpeakingContext {
    return { bsdNumber: this.options.bsdNumber };
  }

  private say(template: string, callSid: string): string {
    return speaker({ reference: referenceFor(callSid) }, this.speaking())(template);
  }

  /** Tell the caller, then dial the desk; the agent hears the reference and, when known, what the caller said. */
  transfer(callSid: string, history: string[] | null = null, opening: RescueOpening = 'stateLost'): string {
    const { flow } = this.flow;
    const why = opening === 'technicalProblem' ? flow.system.technicalProblem : flow.system.stateLost;
    const say = [
      ...(opening === 'none' ? [] : [this.say(why.say, callSid)]),
      this.say(flow.phrases.reference, callSid),
      this.say(flow.system.holdOn, callSid),
    ];
    const whisper = whisperFor(flow, { reference: referenceFor(callSid), history }, why.reason, this.speaking());
    return transferTwiml(this.doc(), say, whisper, `${this.options.baseUrl}/voice/rescue/dial`, this.options).toString();
  }

  private retryQuestion(callSid: string, lead: string[], attempt: number): string {
    const { flow } = this.flow;
    const say = [...lead, this.say(flow.system.dialFailed.choices, callSid)];
    const action = `${this.options.baseUrl}${withQuery('/voice/rescue/choice', { n: attempt })}`;
    return askTwiml(this.doc(), say, action, this.options.gatherTimeoutSeconds).toString();
  }

  /** The answer to a webhook for a call that has ended: nothing more to say. */
  ended(): string {
    return this.doc().hangup().toString();
  }

  /** The desk's dial ended: goodbye after a conversation, otherwise offer to try again. */
  dialed(callSid: string, status: DialStatus): string {
    const { flow } = this.flow;
    if (status === 'completed' || status === 'answered') return endTwiml(this.doc(), [this.say(flow.system.afterDesk, callSid)]).toString();
    const problem = status === 'busy' ? 'busy' : status === 'no-answer' ? 'noAnswer' : 'failed';
    return this.retryQuestion(callSid, [this.say(flow.system.dialFailed[problem], callSid)], 0);
  }

  /**
   * The caller's answer to "try again?": 1 or 0 dials again, 2 ends, * repeats the question; no key or another
   * key asks again, and the third such answer dials again: a caller is never hung up on.
   */
  choice(callSid: string, digits: string | undefined, failures: number): string {
    const { flow } = this.flow;
    if (digits === '1' || digits === '0') return this.transfer(callSid, null, 'none');
    if (digits === '2') return endTwiml(this.doc(), [this.say(flow.system.goodbye, callSid)]).toString();
    if (digits === '*') return this.retryQuestion(callSid, [], failures);
    if (failures + 1 >= RESCUE_ATTEMPTS) return this.transfer(callSid, null, 'none');
    const apology = digits === undefined || digits === '' ? flow.phrases.noInput : flow.phrases.invalidKey;
    return this.retryQuestion(callSid, [this.say(apology, callSid)], failures + 1);
  }
}
