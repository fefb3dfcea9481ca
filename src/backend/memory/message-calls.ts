import { SID_TTL_SECONDS } from '../../requests/texts/message-queue';
import type { MessageCalls, MessageOwner } from '../../requests/texts/message-calls';

/** A sent message's call in this process's memory, until its time is up. */
export class MemoryMessageCalls implements MessageCalls {
  private readonly owners = new Map<string, { owner: MessageOwner; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  remember(messageSid: string, owner: MessageOwner): Promise<void> {
    const now = this.now();
    // Oldest first: what has expired is dropped as new ones come.
    for (const [sid, kept] of this.owners) {
      if (kept.until > now) break;
      this.owners.delete(sid);
    }
    this.owners.set(messageSid, { owner, until: now + SID_TTL_SECONDS * 1000 });
    return Promise.resolve();
  }

  find(messageSid: string): Promise<MessageOwner | null> {
    const kept = this.owners.get(messageSid);
    return Promise.resolve(kept === undefined || kept.until <= this.now() ? null : kept.owner);
  }
}
