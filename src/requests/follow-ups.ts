import type { FollowUp } from '../turn/call-observer';

/**
 * Where follow-ups are told as they happen (a callback booked, a text asked for, sent, delivered or failed): the desk
 * page listens, when there is one. A listener's fault stays its own.
 */
export class FollowUps {
  private readonly listeners: ((followUp: FollowUp) => void)[] = [];

  listen(listener: (followUp: FollowUp) => void): void {
    this.listeners.push(listener);
  }

  tell(followUp: FollowUp): void {
    for (const listener of this.listeners)
      try {
        listener(followUp);
      } catch {
        // The desk's own problem: it logs and counts what it could not record.
      }
  }
}
