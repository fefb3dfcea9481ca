import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import type { Prompt } from '../engine/prompt';
import type { SpeechSettings } from '../engine/understanding/speech';

/** TwiML is built with the twilio package's VoiceResponse; the tests read every document back with an XML parser. */

export interface Voice {
  voice?: string;
  language: string;
}

export interface RenderOptions {
  /** PUBLIC_BASE_URL, without a trailing slash. */
  baseUrl: string;
  voice: Voice;
  bsdNumber: string;
  gatherTimeoutSeconds: number;
  /** How long self-service steps wait for a key: the caller may be busy with them. */
  stepsTimeoutSeconds: number;
  dialTimeoutSeconds: number;
  /** How the line listens for speech where a flow does; undefined when SPEECH_INPUT=off. */
  speech?: SpeechSettings;
}

/**
 * Twilio's recogniser for short answers: the <Gather> reference offers `numbers_and_commands` for short answers such
 * as commands and spoken numbers, which is what every question of the line takes (a word, yes or no, a phone number).
 * https://www.twilio.com/docs/voice/twiml/gather#speechmodel
 *
 * With a `speechModel`, `speechTimeout` must be a whole number of seconds: `auto` is only for a <Gather> without a
 * model ("Use a positive integer for speechTimeout whenever you set speechModel"; "use auto only when you are not
 * selecting a speech model"). Twilio warns of the mix with 13335, 13327 and 13328:
 * https://www.twilio.com/docs/voice/twiml/gather#speechtimeout
 * https://www.twilio.com/docs/api/errors/13335
 * https://www.twilio.com/docs/api/errors/13327
 * https://www.twilio.com/docs/api/errors/13328
 * The model is kept, with whole seconds: SPEECH_TIMEOUT_SECONDS after a short answer, NUMBER_SPEECH_TIMEOUT_SECONDS
 * after a phone number, which people say in groups with a pause between them.
 */
export const SPEECH_MODEL = 'numbers_and_commands';
/** The silence after a spoken answer that ends it, in whole seconds (the model forbids `auto`). */
export const SPEECH_TIMEOUT_SECONDS = 2;
/** The same where a phone number is asked for: "two oh four … five five five … oh one two three". */
export const NUMBER_SPEECH_TIMEOUT_SECONDS = 3;

export interface Urls {
  /** Where the caller's key goes. */
  input: string;
  /** Where the desk's dial outcome goes. */
  dial: string;
}

/**
 * Characters XML 1.0 does not allow: C0 controls other than tab, newline and carriage return, U+FFFE and U+FFFF,
 * and surrogates that are not part of a pair. The builder throws on them; a flow text or a whisper carrying one
 * still speaks, without it.
 */
const NOT_XML =
  // eslint-disable-next-line no-control-regex -- finding control characters is this expression's job
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `value` without the characters XML does not allow. */
export function xmlSafe(value: string): string {
  return value.replace(NOT_XML, '');
}

/** A TwiML document under construction; every text and attribute goes through xmlSafe. */
export class TwimlDocument {
  private readonly response = new VoiceResponse();

  constructor(private readonly voice: Voice) {}

  private sayAttributes(): VoiceResponse.SayAttributes {
    const attributes: VoiceResponse.SayAttributes = { language: xmlSafe(this.voice.language) as VoiceResponse.SayAttributes['language'] };
    if (this.voice.voice !== undefined) attributes.voice = xmlSafe(this.voice.voice) as VoiceResponse.SayAttributes['voice'];
    return attributes;
  }

  say(text: string): this {
    this.response.say(this.sayAttributes(), xmlSafe(text));
    return this;
  }

  /**
   * One key (or `digits` keys, for a phone number), `#` included (finishOnKey is empty); no key also reaches
   * `action` (actionOnEmptyResult). With `hints`,
   * a spoken answer too, biased toward those words. The nested <Say> keeps barge-in (Twilio's default): a key or
   * speech stops the prompt. Without hints the attributes are exactly the keypad line's, in the same order.
   */
  gather(text: string, action: string, timeoutSeconds: number, hints?: readonly string[], digits = 1): this {
    const attributes: VoiceResponse.GatherAttributes = {
      input: hints === undefined ? ['dtmf'] : ['dtmf', 'speech'],
      numDigits: digits,
      finishOnKey: '',
      timeout: timeoutSeconds,
      action: xmlSafe(action),
      method: 'POST',
      actionOnEmptyResult: true,
    };
    if (hints !== undefined) {
      attributes.hints = xmlSafe(hints.join(', '));
      attributes.language = xmlSafe(this.voice.language) as VoiceResponse.GatherAttributes['language'];
      attributes.speechModel = SPEECH_MODEL;
      attributes.speechTimeout = String(digits > 1 ? NUMBER_SPEECH_TIMEOUT_SECONDS : SPEECH_TIMEOUT_SECONDS);
    }
    this.response.gather(attributes).say(this.sayAttributes(), xmlSafe(text));
    return this;
  }

  redirect(url: string): this {
    this.response.redirect({ method: 'POST' }, xmlSafe(url));
    return this;
  }

  /** Dial one number; `whisperUrl` plays to whoever answers before the bridge. */
  dial(number: string, options: { action?: string; timeout: number; whisperUrl?: string }): this {
    const attributes: VoiceResponse.DialAttributes = {};
    // In this order: action first, as Twilio's own documents write it.
    if (options.action !== undefined) attributes.action = xmlSafe(options.action);
    attributes.method = 'POST';
    attributes.timeout = options.timeout;
    if (options.whisperUrl === undefined) this.response.dial(attributes, xmlSafe(number));
    else this.response.dial(attributes).number({ url: xmlSafe(options.whisperUrl), method: 'POST' }, xmlSafe(number));
    return this;
  }

  pause(seconds: number): this {
    this.response.pause({ length: seconds });
    return this;
  }

  hangup(): this {
    this.response.hangup();
    return this;
  }

  toString(): string {
    return this.response.toString();
  }
}

/** The query string of a webhook URL. */
export function withQuery(path: string, query: Record<string, string | number>): string {
  return `${path}?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
}

/** Speak, then listen for one key (or `digits`), or a spoken answer where `hints` are given. */
export function askTwiml(
  doc: TwimlDocument,
  say: string[],
  action: string,
  timeoutSeconds: number,
  hints?: readonly string[],
  digits = 1,
): TwimlDocument {
  // Twilio calls the action on no input because of actionOnEmptyResult; this Redirect is the second guard that
  // the call never falls off the end of the document into a hang-up.
  return doc.gather(say.join(' '), action, timeoutSeconds, hints, digits).redirect(action);
}

/** Speak, then dial the desk with a whisper for whoever answers. */
export function transferTwiml(
  doc: TwimlDocument,
  say: string[],
  whisper: string,
  dialAction: string,
  options: RenderOptions,
): TwimlDocument {
  return doc.say(say.join(' ')).dial(options.bsdNumber, {
    action: dialAction,
    timeout: options.dialTimeoutSeconds,
    whisperUrl: `${options.baseUrl}${withQuery('/voice/whisper', { w: whisper })}`,
  });
}

export function endTwiml(doc: TwimlDocument, say: string[]): TwimlDocument {
  return doc.say(say.join(' ')).hangup();
}

/** The TwiML document for a prompt. */
export function renderPrompt(prompt: Prompt, urls: Urls, options: RenderOptions): string {
  const doc = new TwimlDocument(options.voice);
  switch (prompt.kind) {
    case 'ask':
      return askTwiml(
        doc,
        prompt.say,
        urls.input,
        prompt.waitSeconds ?? (prompt.patient ? options.stepsTimeoutSeconds : options.gatherTimeoutSeconds),
        prompt.hints,
        prompt.digits,
      ).toString();
    case 'transfer':
      return transferTwiml(doc, prompt.say, prompt.whisper, urls.dial, options).toString();
    case 'end':
      return endTwiml(doc, prompt.say).toString();
  }
}

/** How long the line waits for a key once the announcement is said, before the call goes on by itself. */
export const ANNOUNCEMENT_WAIT_SECONDS = 1;

/**
 * The greeting and the desk's announcement, said once; any key stops it (barge-in), and the call goes on at `action`
 * whether a key was pressed or not. The announcement goes through the same XML-safe path as every flow text.
 */
export function announcementTwiml(greeting: string, announcement: string, action: string, options: RenderOptions): string {
  const doc = new TwimlDocument(options.voice);
  return doc.gather(`${greeting} ${announcement}`, action, ANNOUNCEMENT_WAIT_SECONDS).redirect(action).toString();
}

/** Stands for the session version in a kept document; digits and letters only, so no builder escapes it. */
const VERSION_MARK = 'v3RSi0nMaRk';

/**
 * A turn's TwiML: its prompt, with action URLs that carry the session version the prompt was made at. A prompt
 * every call shares (frozen by promptFor) is built once with a mark where the version goes, and each turn only
 * joins the pieces with its version: building with the twilio package's VoiceResponse is most of a turn's TwiML
 * cost (docs/performance.md).
 */
export class PromptRenderer {
  private readonly kept = new WeakMap<Prompt, string[]>();

  constructor(private readonly options: RenderOptions) {}

  render(prompt: Prompt, version: number): string {
    if (!Object.isFrozen(prompt)) return this.build(prompt, String(version));
    let pieces = this.kept.get(prompt);
    if (pieces === undefined) this.kept.set(prompt, (pieces = this.build(prompt, VERSION_MARK).split(VERSION_MARK)));
    return pieces.join(String(version));
  }

  /** The announcement after the greeting of a call's first turn; the call goes on at /voice/announced. */
  announcement(greeting: string, announcement: string, version: number, then: 'menu' | 'desk'): string {
    const action = `${this.options.baseUrl}/voice/announced?t=${version}&then=${then}`;
    return announcementTwiml(greeting, announcement, action, this.options);
  }

  private build(prompt: Prompt, version: string): string {
    const base = this.options.baseUrl;
    return renderPrompt(prompt, { input: `${base}/voice/input?t=${version}`, dial: `${base}/voice/dial?t=${version}` }, this.options);
  }
}

/** What the agent hears before the caller is connected, then a short pause. */
export function whisperTwiml(whisper: string, options: RenderOptions): string {
  return new TwimlDocument(options.voice).say(whisper).pause(1).toString();
}

/**
 * The last resort when even the rescue path fails: a fixed document that dials the desk. It needs nothing but
 * the desk's number, so no fault of ours can leave a caller in silence.
 */
export function lastResortTwiml(bsdNumber: string, spokenNumber: string): string {
  return (
    new TwimlDocument({ language: 'en-US' })
      .say("We're sorry, something went wrong. Connecting you to the Business Support Desk.")
      .dial(bsdNumber, { timeout: 30 })
      // Reached when the dial ends without a conversation (busy, no answer) and after one.
      .say(`If you still need help, please call the Business Support Desk at ${spokenNumber}. Goodbye.`)
      .hangup()
      .toString()
  );
}
