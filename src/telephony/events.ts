import type { CallEvent } from '../engine/call-machine';

/** A Gather's Digits as an event: nothing is silence; anything else is a key, valid or not. */
export function keyEvent(digits: string | undefined): CallEvent {
  const trimmed = (digits ?? '').trim();
  return trimmed === '' ? { type: 'SILENCE' } : { type: 'KEY', key: trimmed };
}

/**
 * A Gather's result as an event: a key when Digits has one, else speech when SpeechResult has words (a missing
 * Confidence counts as 0, so the answer is confirmed), else silence.
 */
export function inputEvent(input: {
  Digits?: string | undefined;
  SpeechResult?: string | undefined;
  Confidence?: number | undefined;
}): CallEvent {
  const key = keyEvent(input.Digits);
  if (key.type === 'KEY') return key;
  const text = (input.SpeechResult ?? '').trim();
  return text === '' ? key : { type: 'SPEECH', text, confidence: input.Confidence ?? 0 };
}

/** A Dial action's DialCallStatus as an event. */
export function dialEvent(status: 'completed' | 'answered' | 'busy' | 'no-answer' | 'failed' | 'canceled'): CallEvent {
  switch (status) {
    case 'completed':
    case 'answered':
      return { type: 'DIAL', outcome: 'connected' };
    case 'busy':
      return { type: 'DIAL', outcome: 'busy' };
    case 'no-answer':
      return { type: 'DIAL', outcome: 'noAnswer' };
    case 'failed':
    case 'canceled':
      return { type: 'DIAL', outcome: 'failed' };
  }
}
