import twilio from 'twilio';
import type { Prompt } from '../engine/prompt';

const { VoiceResponse } = twilio.twiml;

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

type SayAttributes = Parameters<InstanceType<typeof VoiceResponse>['say']>[0];

type SayLanguage = NonNullable<SayAttributes['language']>;
type SayVoice = NonNullable<SayAttributes['voice']>;

/** The flow file's voice and language; Twilio validates them against its own, longer and changing, list. */
function sayAttributes(voice: Voice): SayAttributes {
  const language = voice.language as SayLanguage;
  return voice.voice === undefined ? { language } : { language, voice: voice.voice as SayVoice };
}

/** The query string of a webhook URL. */
export function withQuery(path: string, query: Record<string, string | number>): string {
  return `${path}?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
}

/**
 * Speak, then listen for one key; no key also reaches `action` (actionOnEmptyResult). `#` is a key like any other
 * (finishOnKey is empty), so pressing it is a wrong key, not silence.
 */
export function askTwiml(
  response: InstanceType<typeof VoiceResponse>,
  say: string[],
  action: string,
  options: RenderOptions,
  timeoutSeconds = options.gatherTimeoutSeconds,
): void {
  const gather = response.gather({
    input: ['dtmf'],
    numDigits: 1,
    finishOnKey: '',
    timeout: timeoutSeconds,
    action,
    method: 'POST',
    actionOnEmptyResult: true,
  });
  gather.say(sayAttributes(options.voice), say.join(' '));
  // Twilio calls the action on no input because of actionOnEmptyResult; this Redirect is the second guard that
  // the call never falls off the end of the document into a hang-up.
  response.redirect({ method: 'POST' }, action);
}

/** Speak, then dial the desk with a whisper for whoever answers. */
export function transferTwiml(
  response: InstanceType<typeof VoiceResponse>,
  say: string[],
  whisper: string,
  dialAction: string,
  options: RenderOptions,
): void {
  response.say(sayAttributes(options.voice), say.join(' '));
  const dial = response.dial({ action: dialAction, method: 'POST', timeout: options.dialTimeoutSeconds });
  dial.number({ url: `${options.baseUrl}${withQuery('/voice/whisper', { w: whisper })}`, method: 'POST' }, options.bsdNumber);
}

export function endTwiml(response: InstanceType<typeof VoiceResponse>, say: string[], options: RenderOptions): void {
  response.say(sayAttributes(options.voice), say.join(' '));
  response.hangup();
}

/** The TwiML document for a prompt. */
export function renderPrompt(prompt: Prompt, urls: Urls, options: RenderOptions): string {
  const response = new VoiceResponse();
  switch (prompt.kind) {
    case 'ask':
      askTwiml(response, prompt.say, urls.input, options, prompt.patient ? options.stepsTimeoutSeconds : options.gatherTimeoutSeconds);
      break;
    case 'transfer':
      transferTwiml(response, prompt.say, prompt.whisper, urls.dial, options);
      break;
    case 'end':
      endTwiml(response, prompt.say, options);
      break;
  }
  return response.toString();
}

/** What the agent hears before the caller is connected; said twice would be long, so once, then a short pause. */
export function whisperTwiml(whisper: string, options: RenderOptions): string {
  const response = new VoiceResponse();
  response.say(sayAttributes(options.voice), whisper);
  response.pause({ length: 1 });
  return response.toString();
}

/**
 * The last resort when even the rescue path fails: a fixed document that dials the desk. It needs nothing but
 * the desk's number, so no fault of ours can leave a caller in silence.
 */
export function lastResortTwiml(bsdNumber: string, spokenNumber: string): string {
  const response = new VoiceResponse();
  response.say({ language: 'en-US' }, "We're sorry, something went wrong. Connecting you to the Business Support Desk.");
  response.dial({ timeout: 30 }, bsdNumber);
  // Reached when the dial ends without a conversation (busy, no answer) and after one.
  response.say({ language: 'en-US' }, `If you still need help, please call the Business Support Desk at ${spokenNumber}. Goodbye.`);
  response.hangup();
  return response.toString();
}
