import twilio from 'twilio';
import { whisperFor, type SpeakingContext } from '../engine/prompt';
import { referenceFor } from '../engine/step';
import type { CompiledFlow } from '../flows/compile';
import { fill, spokenCode, spokenPhoneNumber, tidy } from '../flows/text';
import type { DialStatus } from '../telephony/params';
import { askTwiml, endTwiml, transferTwiml, withQuery, type RenderOptions } from '../telephony/twiml';

const { VoiceResponse } = twilio.twiml;

/** Attempts at the rescue's "try again?" question before the call ends with the desk's number. */
const RESCUE_ATTEMPTS = 3;

/**
 * The rescue path: a transfer to the desk that needs no call state. It answers the fallback URL, a call whose
 * state is lost or unreadable, and any internal fault, so that every caller still reaches a person.
 */
export class Rescue {
  constructor(
    private readonly flow: CompiledFlow,
    private readonly options: RenderOptions,
  ) {}

  private speaking(): SpeakingContext {
    return { bsdNumber: this.options.bsdNumber };
  }

  private say(template: string, callSid: string): string {
    const values = { reference: spokenCode(referenceFor(callSid)), bsdNumber: spokenPhoneNumber(this.options.bsdNumber) };
    return tidy(fill(template, values));
  }

  /** Tell the caller, then dial the desk; the agent hears the reference and, when known, what the caller said. */
  transfer(callSid: string, history: string[] | null = null, opening = true): string {
    const { flow } = this.flow;
    const response = new VoiceResponse();
    const lost = flow.system.stateLost;
    const say = [
      ...(opening ? [this.say(lost.say, callSid)] : []),
      this.say(flow.phrases.reference, callSid),
      this.say(flow.system.holdOn, callSid),
    ];
    const whisper = whisperFor(flow, { reference: referenceFor(callSid), history }, lost.reason, this.speaking());
    transferTwiml(response, say, whisper, `${this.options.baseUrl}/voice/rescue/dial`, this.options);
    return response.toString();
  }

  /** The desk's dial ended: goodbye after a conversation, otherwise offer to try again. */
  dialed(callSid: string, status: DialStatus): string {
    const { flow } = this.flow;
    const response = new VoiceResponse();
    if (status === 'completed' || status === 'answered') {
      endTwiml(response, [this.say(flow.system.afterDesk, callSid)], this.options);
      return response.toString();
    }
    const problem = status === 'busy' ? 'busy' : status === 'no-answer' ? 'noAnswer' : 'failed';
    const say = [this.say(flow.system.dialFailed[problem], callSid), this.say(flow.system.dialFailed.choices, callSid)];
    askTwiml(response, say, `${this.options.baseUrl}${withQuery('/voice/rescue/choice', { n: 1 })}`, this.options);
    return response.toString();
  }

  /** The caller's answer to "try again?": 1 or 0 dials again, 2 ends; anything else asks again, a few times. */
  choice(callSid: string, digits: string | undefined, attempt: number): string {
    const { flow } = this.flow;
    if (digits === '1' || digits === '0') return this.transfer(callSid, null, false);
    const response = new VoiceResponse();
    if (digits === '2' || attempt >= RESCUE_ATTEMPTS) {
      endTwiml(response, [this.say(flow.system.goodbye, callSid)], this.options);
      return response.toString();
    }
    const apology = digits === undefined || digits === '' ? flow.phrases.noInput : flow.phrases.invalidKey;
    const say = [this.say(apology, callSid), this.say(flow.system.dialFailed.choices, callSid)];
    askTwiml(response, say, `${this.options.baseUrl}${withQuery('/voice/rescue/choice', { n: attempt + 1 })}`, this.options);
    return response.toString();
  }
}
