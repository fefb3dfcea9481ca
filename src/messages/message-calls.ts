import type { Cluster, Redis } from 'ioredis';
import { SID_TTL_SECONDS } from './message-queue';

/** The call a sent message belongs to, and which of its follow-ups it is ('text:desk'). */
export interface MessageOwner {
  callSid: string;
  id: string;
}

/**
 * A sent message's SID -> its call, for SID_TTL_SECONDS: its status callback (delivered, failed) names only the
 * message, and the desk shows the status on the call's card.
 */
export interface MessageCalls {
  remember(messageSid: string, owner: MessageOwner): Promise<void>;
  find(messageSid: string): Promise<MessageOwner | null>;
}

function parseOwner(json: string | null): MessageOwner | null {
  if (json === null) return null;
  try {
    const value = JSON.parse(json) as Partial<MessageOwner>;
    return typeof value.callSid === 'string' && typeof value.id === 'string' ? { callSid: value.callSid, id: value.id } : null;
  } catch {
    return null;
  }
}

export class RedisMessageCalls implements MessageCalls {
  constructor(
    private readonly client: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  private key(messageSid: string): string {
    return `${this.prefix}:{sms}:sid:${messageSid}`;
  }

  async remember(messageSid: string, owner: MessageOwner): Promise<void> {
    await this.client.set(this.key(messageSid), JSON.stringify(owner), 'EX', SID_TTL_SECONDS);
  }

  async find(messageSid: string): Promise<MessageOwner | null> {
    return parseOwner(await this.client.get(this.key(messageSid)));
  }
}

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
