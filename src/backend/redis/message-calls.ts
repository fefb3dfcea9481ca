import type { Cluster, Redis } from 'ioredis';
import { SID_TTL_SECONDS } from '../../requests/texts/message-queue';
import { parseOwner, type MessageCalls, type MessageOwner } from '../../requests/texts/message-calls';

/** A sent message's call on the line's Redis, beside the other text-message keys. */
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
