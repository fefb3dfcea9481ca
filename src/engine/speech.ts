import type { FlowFile } from '../flows/schema';
import {
  choicesNamed,
  callbackNumberChoices,
  confirmationChoices,
  deskClosedChoices,
  offerChoices,
  deskRetryChoices,
  globalChoices,
  listensFor,
  nameOf,
  spokenChoicesOf,
  type SpokenChoice,
} from '../flows/words';
import type { CallContext, CallEvent } from './call-machine';
import { SYSTEM } from './compile';
import { NUMBER_WORDS, spokenNumber } from './spoken-number';

/** How the line listens for speech, from the configuration; undefined when SPEECH_INPUT=off. */
export interface SpeechSettings {
  /** Below this confidence a matched answer is confirmed before it is acted on. */
  confidenceThreshold: number;
}

/** The line's default: SPEECH_INPUT=on, SPEECH_CONFIDENCE_THRESHOLD=0.5. What the listening-time report times. */
export const DEFAULT_SPEECH: SpeechSettings = { confidenceThreshold: 0.5 };

/** What a turn heard, for its log line: how the caller answered and which choice it matched, never the words. */
export interface Heard {
  mode: 'key' | 'speech' | 'none';
  /** The choice matched: its name for speech ("password"), its key for a key; null when nothing matched. */
  option: string | null;
  confidence?: number;
  /** What came of a spoken answer. */
  match?: 'matched' | 'confirm' | 'confirmed' | 'refused' | 'unknown';
}

/** `heard.option` for a spoken phone number: that one was heard, never which. */
export const NUMBER_HEARD = 'phone number';

/** Whether calls on `flow` listen for speech: the flow says so and the configuration does not turn it off. */
export function listening(flow: FlowFile, speech: SpeechSettings | undefined): boolean {
  return speech !== undefined && listensFor(flow);
}

/**
 * The choices a caller can say in `state`: its own, then those that work everywhere. A confirmation offers yes and
 * no, and what works everywhere. Empty where the flow does not listen for speech.
 */
export function spokenChoices(flow: FlowFile, state: string, context: Pick<CallContext, 'confirming'>): SpokenChoice[] {
  const words = flow.speech?.words;
  if (words === undefined) return [];
  const everywhere = globalChoices(words);
  if (context.confirming !== null) return [...confirmationChoices(words), ...everywhere];
  if (state === SYSTEM.dialFailed) return [...deskRetryChoices(words), ...offerChoices(words), ...everywhere];
  if (state === SYSTEM.deskClosed) return [...deskClosedChoices(words), ...everywhere];
  if (state === SYSTEM.callbackNumber) return [...callbackNumberChoices(words), ...everywhere];
  // "You keyed 6 1 3 …: if that's right, press 1": yes or no, as at a confirmation.
  if (state === SYSTEM.callbackConfirm) return [...confirmationChoices(words), ...everywhere];
  // "Key in the 10-digit number": a number (see takesNumber), or what works everywhere, as 0, * and 9 do there.
  if (state === SYSTEM.callbackKeyed) return everywhere;
  // The last words, with the desk's number: star repeats them, 9 goes to the main menu; anything else is goodbye.
  if (state === SYSTEM.deskUnavailable) return everywhere.filter((c) => c.key !== '0');
  const node = flow.nodes[state];
  if (node === undefined || node.type === 'transfer' || node.type === 'end') return [];
  return [...spokenChoicesOf(node, words), ...everywhere];
}

/** Where a caller may say a callback number: where it is keyed, and straight away where they are asked which one. */
const takesNumber = (state: string, context: Pick<CallContext, 'confirming'>) =>
  context.confirming === null && (state === SYSTEM.callbackKeyed || state === SYSTEM.callbackNumber);

/**
 * The words to hint to the recogniser in `state`: every word of every choice, each once, and the words of a phone
 * number where one is taken. Plain words, no class tokens ($OOV_CLASS_DIGIT_SEQUENCE): those belong to one speech
 * provider, and with a generic speechModel Twilio picks the provider (warning 13330: "Use only the tokens and
 * keywords supported by the selected STT provider", https://www.twilio.com/docs/api/errors/13330).
 */
export function hintsFor(flow: FlowFile, state: string, context: Pick<CallContext, 'confirming'>): string[] {
  const choices = spokenChoices(flow, state, context).flatMap((c) => c.words);
  if (choices.length === 0) return [];
  return [...new Set([...choices, ...(takesNumber(state, context) ? NUMBER_WORDS : [])])];
}

/** The name of the choice `key` stands for in `state`, for "Did you say password?". */
export function choiceName(flow: FlowFile, state: string, key: string): string {
  const choice = spokenChoices(flow, state, { confirming: null }).find((c) => c.key === key);
  return choice === undefined ? key : nameOf(choice);
}

/**
 * A caller's answer as the call machine takes it. Speech becomes the key of the one choice it names when the
 * recogniser was sure enough; a confirmation when it was not, or when the answer names two choices (the first is
 * asked about); a wrong answer when it names none. At a confirmation, 1 or "yes" is the answer confirmed, 2 or "no"
 * asks the question again, and the keys and words that work everywhere still do.
 */
export function interpret(
  flow: FlowFile,
  state: string,
  context: CallContext,
  event: CallEvent,
  speech: SpeechSettings | undefined,
): { event: CallEvent; heard: Heard } {
  const confirming = context.confirming;
  if (event.type === 'KEY') {
    if (confirming !== null && event.key === '1') {
      const word = choiceName(flow, state, confirming.key);
      return {
        event: { type: 'KEY', key: confirming.key, said: { word, confidence: confirming.confidence, confirmed: true } },
        heard: { mode: 'key', option: word, confidence: confirming.confidence, match: 'confirmed' },
      };
    }
    if (confirming !== null && event.key === '2')
      return { event: { type: 'REFUSE' }, heard: { mode: 'key', option: null, match: 'refused' } };
    return { event, heard: { mode: 'key', option: event.key } };
  }
  if (event.type !== 'SPEECH') return { event, heard: { mode: 'none', option: null } };
  const confidence = event.confidence;
  // Speech where the line does not listen for it (Twilio would not send it): an answer that is not a choice.
  if (!listening(flow, speech))
    return { event: { type: 'KEY', key: '?' }, heard: { mode: 'speech', option: null, confidence, match: 'unknown' } };
  // ── A spoken callback number (spoken-number.ts), taken as the same digits keyed would be: the machine keeps it and
  // reads it back digit by digit for confirmation, so the recogniser's confidence needs no confirmation of its own.
  // What was said and the digits stay out of `heard`: its log line says only that a number was heard. ──
  if (takesNumber(state, context)) {
    const digits = spokenNumber(event.text);
    if (digits !== undefined)
      return { event: { type: 'KEY', key: digits }, heard: { mode: 'speech', option: NUMBER_HEARD, confidence, match: 'matched' } };
  }
  // ── end of the spoken callback number ──
  const named = choicesNamed(event.text, spokenChoices(flow, state, context));
  const first = named[0];
  if (first === undefined)
    return { event: { type: 'NOT_UNDERSTOOD' }, heard: { mode: 'speech', option: null, confidence, match: 'unknown' } };
  if (confirming !== null && named.length === 1 && (first.key === '1' || first.key === '2') && first.field.startsWith('speech.words.')) {
    if (first.key === '2')
      return { event: { type: 'REFUSE' }, heard: { mode: 'speech', option: nameOf(first), confidence, match: 'refused' } };
    const word = choiceName(flow, state, confirming.key);
    return {
      event: { type: 'KEY', key: confirming.key, said: { word, confidence: confirming.confidence, confirmed: true } },
      heard: { mode: 'speech', option: word, confidence, match: 'confirmed' },
    };
  }
  const word = nameOf(first);
  if (named.length > 1 || confidence < speech!.confidenceThreshold)
    return {
      event: { type: 'CONFIRM', key: first.key, confidence },
      heard: { mode: 'speech', option: word, confidence, match: 'confirm' },
    };
  return {
    event: { type: 'KEY', key: first.key, said: { word, confidence, confirmed: false } },
    heard: { mode: 'speech', option: word, confidence, match: 'matched' },
  };
}
