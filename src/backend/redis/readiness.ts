import type { Cluster, Redis } from 'ioredis';

/** Where the client connects, in words for an operator: "127.0.0.1:6379", the sentinels, or the cluster's nodes. */
export function redisAddress(client: Redis | Cluster): string {
  if (client.isCluster) {
    const nodes = (client as Cluster).nodes('master').map((n) => `${n.options.host ?? '127.0.0.1'}:${n.options.port ?? 6379}`);
    return nodes.length === 0 ? 'the cluster (no node known)' : `cluster ${nodes.join(',')}`;
  }
  const { host, port, sentinels, name } = (client as Redis).options;
  if (sentinels !== undefined && sentinels !== null && sentinels.length > 0)
    return `'${name ?? 'mymaster'}' via sentinels ${sentinels.map((s) => `${s.host ?? '127.0.0.1'}:${s.port ?? 26379}`).join(',')}`;
  return `${host ?? '127.0.0.1'}:${port ?? 6379}`;
}

/**
 * Why a readiness probe failed, in plain words. A reply from Redis (OOM under maxmemory with noeviction, READONLY
 * on a replica, MISCONF, CLUSTERDOWN...) means it answers but refuses the line's writes: its own text says why.
 * Anything else is the client failing to get an answer at all, whatever its internal message ("Stream isn't
 * writeable...", "Connection is closed.").
 */
export function readinessProblem(error: unknown, address: string): string {
  const { name, message } = error instanceof Error ? error : { name: '', message: String(error) };
  if (name === 'ReplyError') return `Redis refuses writes: ${message}`;
  if (message === 'Command timed out') return `Redis at ${address} does not answer in time`;
  return `cannot reach Redis at ${address}`;
}
