import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { answersPing, freePort, startRedis, type RedisProcess } from './redis-server';

async function until(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function info(port: number, section: string): Promise<string> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.info(section);
  } finally {
    client.disconnect();
  }
}

export interface SentinelSetup {
  name: string;
  primary: RedisProcess;
  replica: RedisProcess;
  sentinels: string;
  /** The port of the current primary, as the sentinels see it. */
  primaryPort(): Promise<number>;
  stop(): Promise<void>;
}

/** A primary, one replica in sync with it, and three sentinels watching them (quorum 2, 1 s down-after). */
export async function startSentinelSetup(name = 'portal'): Promise<SentinelSetup> {
  const primary = await startRedis();
  const replica = await startRedis(['--replicaof', '127.0.0.1', String(primary.port)]);
  await until(async () => /master_link_status:up/.test(await info(replica.port, 'replication')), 'replication');
  const dir = mkdtempSync(join(tmpdir(), 'portal-line-sentinel-'));
  const sentinels: { port: number; process: ChildProcess }[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const conf = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'),
    );
    sentinels.push({ port, process: spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }) });
  }
  for (const s of sentinels) await until(() => answersPing(s.port), `sentinel on ${s.port}`);
  const primaryPort = async (): Promise<number> => {
    const client = new Redis({ port: sentinels[0]!.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    try {
      const [, port] = (await client.call('SENTINEL', 'get-master-addr-by-name', name)) as [string, string];
      return Number(port);
    } finally {
      client.disconnect();
    }
  };
  // Every sentinel must know the replica and the other sentinels before a failover can be agreed on.
  await until(async () => /slaves=1,sentinels=3/.test(await info(sentinels[0]!.port, 'sentinel')), 'sentinel discovery');
  return {
    name,
    primary,
    replica,
    sentinels: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
    primaryPort,
    stop: async () => {
      for (const s of sentinels) s.process.kill('SIGKILL');
      await primary.stop();
      await replica.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ClusterSetup {
  nodes: RedisProcess[];
  spec: string;
  stop(): Promise<void>;
}

/** A three-primary Redis Cluster made with redis-cli --cluster create. */
export async function startCluster(): Promise<ClusterSetup> {
  const nodes = await Promise.all(
    [0, 1, 2].map(() => startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'])),
  );
  const create = spawn(
    'redis-cli',
    ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
    { stdio: 'pipe' },
  );
  let out = '';
  create.stdout.on('data', (d) => (out += String(d)));
  const code = await new Promise<number | null>((r) => create.on('exit', r));
  if (code !== 0) throw new Error(`redis-cli --cluster create failed:\n${out}`);
  for (const n of nodes) await until(async () => /cluster_state:ok/.test(await clusterInfo(n.port)), `cluster state on ${n.port}`);
  return {
    nodes,
    spec: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    stop: async () => {
      for (const n of nodes) await n.stop();
    },
  };
}

async function clusterInfo(port: number): Promise<string> {
  const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return String(await client.call('CLUSTER', 'INFO'));
  } finally {
    client.disconnect();
  }
}
