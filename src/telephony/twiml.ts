import type { Prompt } from '../engine/prompt';

/**
 * TwiML is written here by hand rather than with the twilio package's builder: the line uses five verbs with a
 * handful of attributes, and the builder (xmlbuilder) cost more CPU per webhook than the whole call step. The
 * tests read every document back with an XML parser.
 */

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
}

export interface Urls {
  /** Where the caller's key goes. */
  input: string;
  /** Where the desk's dial outcome goes. */
  dial: string;
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?><Response>';
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text and attribute values for XML. */
export function xml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function attributes(attrs: Record<string, string | number | undefined>): string {
  let out = '';
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined) out += ` ${name}="${xml(value)}"`;
  return out;
}

/** A TwiML document under construction. */
export class TwimlDocument {
  private body = '';

  constructor(private readonly voice: Voice) {}

  private sayTag(text: string): string {
    return `<Say${attributes({ language: this.voice.language, voice: this.voice.voice })}>${xml(text)}</Say>`;
  }

  say(text: string): this {
    this.body += this.sayTag(text);
    return this;
  }

  /** One key, `#` included (finishOnKey is empty); no key also reaches `action` (actionOnEmptyResult). */
  gather(text: string, action: string, timeoutSeconds: number): this {
    this.body += `<Gather${attributes({ input: 'dtmf', numDigits: 1, finishOnKey: '', timeout: timeoutSeconds, action, method: 'POST', actionOnEmptyResult: 'true' })}>${this.sayTag(text)}</Gather>`;
    return this;
  }

  redirect(url: string): this {
    this.body += `<Redirect method="POST">${xml(url)}</Redirect>`;
    return this;
  }

  /** Dial one number; `whisperUrl` plays to whoever answers before the bridge. */
  dial(number: string, options: { action?: string; timeout: number; whisperUrl?: string }): this {
    const target =
      options.whisperUrl === undefined
        ? xml(number)
        : `<Number${attributes({ url: options.whisperUrl, method: 'POST' })}>${xml(number)}</Number>`;
    this.body += `<Dial${attributes({ action: options.action, method: 'POST', timeout: options.timeout })}>${target}</Dial>`;
    return this;
  }

  pause(seconds: number): this {
    this.body += `<Pause length="${seconds}"/>`;
    return this;
  }

  hangup(): this {
    this.body += '<Hangup/>';
    return this;
  }

  toString(): string {
    return `${XML_HEAD}${this.body}</Response>`;
  }
}

/** The query string of a webhook URL. */
export function withQuery(path: string, query: Record<string, string | number>): string {
  return `${path}?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
}

/** Speak, then listen for one key. */
export function askTwiml(doc: TwimlDocument, say: string[], action: string, timeoutSeconds: number): TwimlDocument {
  // Twilio calls the action on no input because of actionOnEmptyResult; this Redirect is the second guard that
  // the call never falls off the end of the document into a hang-up.
  return doc.gather(say.join(' '), action, timeoutSeconds).redirect(action);
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
      return askTwiml(doc, prompt.say, urls.input, prompt.patient ? options.stepsTimeoutSeconds : options.gatherTimeoutSeconds).toString();
    case 'transfer':
      return transferTwiml(doc, prompt.say, prompt.whisper, urls.dial, options).toString();
    case 'end':
      return endTwiml(doc, prompt.say).toString();
  }
}

/** Stands for the version while a shared prompt is rendered once; XML escaping leaves it as it is. */
const VERSION_MARK = '\u0001v\u0001';

/**
 * A turn's TwiML: its prompt, with action URLs that carry the session version the prompt was made at. A prompt
 * shared by every call (frozen: promptFor's memo) is rendered once, around where the version goes, and then only
 * joined with each turn's version.
 */
export class PromptRenderer {
  private readonly shared = new WeakMap<Prompt, string[] | null>();

  constructor(private readonly options: RenderOptions) {}

  render(prompt: Prompt, version: number): string {
    if (!Object.isFrozen(prompt)) return this.renderAt(prompt, String(version));
    let parts = this.shared.get(prompt);
    if (parts === undefined) {
      const split = this.renderAt(prompt, VERSION_MARK).split(VERSION_MARK);
      // Kept only when it renders exactly as the prompt does (a flow text holding the mark would not).
      parts = split.join(String(version)) === this.renderAt(prompt, String(version)) ? split : null;
      this.shared.set(prompt, parts);
    }
    return parts === null ? this.renderAt(prompt, String(version)) : parts.join(String(version));
  }

  private renderAt(prompt: Prompt, version: string): string {
    const base = this.options.baseUrl;
    // The version is a number: nothing in these URLs needs escaping.
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
