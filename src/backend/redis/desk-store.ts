import type { Cluster, Redis } from 'ioredis';
import {
  parseSession,
  type DayRecord,
  type DayResult,
  type DayRetention,
  type DeskListener,
  type DeskSession,
  type DeskStore,
} from '../../desk/desk-store';
import { subscribeTo } from './channel';
import { defineScripts } from './scripts';

type Client = Redis | Cluster;

function pairs(flat: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) counts[flat[i]!] = Number(flat[i + 1]);
  return counts;
}

/**
 * The desk's store on the call store's Redis, under the same key prefix. Publishing uses Redis pub/sub on one
 * channel; each instance holds one more connection, made on the first `subscribe`, that listens to it.
 *
 * What the desk's events write (`record`, `indexReference`, `recordCall`, `keepCall`) goes on a connection of its
 * own, with ioredis's auto-pipelining: the commands the desk issues in one turn (it starts the events of 100 ms
 * together) go to Redis in one write, on a cluster one per node. The call store's connection writes each command as
 * it is issued (src/backend/connect.ts).
 */
export class RedisDeskStore implements DeskStore {
  private readonly redis: Client;
  private readonly writer: Client;
  private subscriber: Client | undefined;
  private readonly listeners = new Set<DeskListener>();

  constructor(
    client: Client,
    private readonly prefix: string,
    private readonly onProblem: (error: Error) => void = () => {},
  ) {
    this.redis = defineScripts(client);
    this.writer = defineScripts(
      client.isCluster
        ? (client as Cluster).duplicate(undefined, { enableAutoPipelining: true })
        : (client as Redis).duplicate({ enableAutoPipelining: true }),
    );
    this.writer.on('error', (error: Error) => this.onProblem(error));
    // The desk's connections go when the call store's does: closing the store closes them all.
    client.once('end', () => {
      this.subscriber?.disconnect();
      this.writer.disconnect();
    });
  }

  private key(...parts: string[]): string {
    return [this.prefix, 'desk', ...parts].join(':');
  }

  /** A day's keys, in one cluster slot. */
  private dayKey(day: string, what: string): string {
    return `${this.prefix}:{desk-day:${day}}:${what}`;
  }

  get channel(): string {
    return this.key('live');
  }

  async putSession(id: string, session: DeskSession, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.key('session', id), JSON.stringify(session), 'EX', ttlSeconds);
  }

  async getSession(id: string): Promise<DeskSession | null> {
    return parseSession(await this.redis.get(this.key('session', id)));
  }

  async deleteSession(id: string): Promise<void> {
    await this.redis.del(this.key('session', id));
  }

  async record(day: string, record: DayRecord, retention: DayRetention): Promise<DayResult> {
    const [attempt, flat] = await this.writer.deskRecord(
      this.dayKey(day, 'events'),
      this.dayKey(day, 'counted'),
      this.dayKey(day, 'outcomes'),
      this.dayKey(day, 'attempts'),
      this.dayKey(day, 'recorded'),
      record.event ?? '',
      record.attemptOf ?? '',
      record.countOnce?.callSid ?? '',
      record.countOnce?.outcome ?? '',
      retention.keep,
      retention.ttlSeconds,
      this.channel,
      record.publish ?? '',
      day,
      record.id ?? '',
    );
    const done = Number(attempt) < 0 || record.attemptOf === undefined;
    return { attempt: done ? null : Number(attempt), counts: flat.length === 0 ? null : pairs(flat) };
  }

  events(day: string): Promise<string[]> {
    return this.redis.lrange(this.dayKey(day, 'events'), 0, -1);
  }

  async outcomes(day: string): Promise<Record<string, number>> {
    const all = await this.redis.hgetall(this.dayKey(day, 'outcomes'));
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Number(v)]));
  }

  async indexReference(reference: string, callSid: string, ttlSeconds: number): Promise<void> {
    await this.writer.deskIndex(this.key('reference', reference), callSid, ttlSeconds);
  }

  callsWithReference(reference: string): Promise<string[]> {
    return this.redis.smembers(this.key('reference', reference));
  }

  async recordCall(callSid: string, event: string, retention: DayRetention): Promise<void> {
    await this.writer.deskRecordCall(this.key('call', callSid), event, retention.keep, retention.ttlSeconds);
  }

  async keepCall(callSid: string, ttlSeconds: number): Promise<void> {
    await this.writer.deskKeepCall(this.key('call', callSid), ttlSeconds);
  }

  callEvents(callSid: string): Promise<string[]> {
    return this.redis.lrange(this.key('call', callSid), 0, -1);
  }

  async publish(message: string): Promise<void> {
    await this.redis.publish(this.channel, message);
  }

  subscribe(listener: DeskListener): () => void {
    this.listeners.add(listener);
    if (this.subscriber === undefined) this.listen();
    return () => this.listeners.delete(listener);
  }

  private listen(): void {
    this.subscriber = subscribeTo(
      this.redis,
      this.channel,
      {
        message: (message) => {
          for (const l of this.listeners) l.message(message);
        },
        // Back after a break: what was published meanwhile never arrived.
        resync: () => {
          for (const l of this.listeners) l.resync();
        },
        connection: (up) => {
          for (const l of this.listeners) l.connection?.(up);
        },
      },
      (error) => this.onProblem(error),
    );
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    this.writer.disconnect();
  }
}
