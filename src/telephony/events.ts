import type { CallEvent } from '../engine/call-machine';

/** A Gather's Digits as an event: nothing is silence; anything else is a key, valid or not. */
export function keyEvent(digits: string | undefined): CallEvent {
  const trimmed = (digits ?? '').trim();
  return trimmed === '' ? { type: 'SILENCE' } : { type: 'KEY', key: trimmed };
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
