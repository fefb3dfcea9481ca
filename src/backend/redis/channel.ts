import type { Cluster, Redis } from 'ioredis';

/** What a subscription to one channel tells. */
export interface ChannelEvents {
  /** A message published on the channel. */
  message(text: string): void;
  /** The connection is back after a break: whatever was published meanwhile never arrived. */
  resync(): void;
  /** Listening or not, told once at each change. */
  connection?(up: boolean): void;
}

/**
 * A connection of its own, subscribed to `channel` (a subscribed connection takes no other command). Unlike the call
 * store's, it may queue its SUBSCRIBE while it connects, and ioredis subscribes again after each reconnection, then
 * says it is ready. Disconnect it to stop listening.
 */
export function subscribeTo(
  redis: Redis | Cluster,
  channel: string,
  events: ChannelEvents,
  onProblem: (error: Error) => void,
): Redis | Cluster {
  const subscriber = redis.isCluster
    ? (redis as Cluster).duplicate(undefined, { enableOfflineQueue: true })
    : (redis as Redis).duplicate({ enableOfflineQueue: true });
  let connected = false;
  let up: boolean | undefined;
  const connection = (now: boolean) => {
    if (now === up) return;
    up = now;
    events.connection?.(now);
  };
  subscriber.on('ready', () => {
    if (connected) events.resync();
    connected = true;
    connection(true);
  });
  subscriber.on('close', () => connection(false));
  subscriber.on('end', () => connection(false));
  subscriber.on('error', onProblem);
  subscriber.on('message', (from: string, message: string) => {
    if (from === channel) events.message(message);
  });
  subscriber.subscribe(channel).catch(onProblem);
  return subscriber;
}
