import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The ports this process has handed out: the kernel can give the same free port to two asks in a row. */
const handedOut = new Set<number>();

/**
 * A free TCP port on 127.0.0.1, as the kernel hands it out, never one this process handed out before (a line's PORT
 * and METRICS_PORT, asked for one after the other, once came out equal).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await kernelFreePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function kernelFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** True when a Redis server on `port` answers PING. A bare socket, so that no client is left behind. */
export function answersPing(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export interface RedisProcess {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** Starts a private redis-server that keeps nothing on disk; resolves once it answers PING. */
export async function startRedis(extraArgs: string[] = [], port?: number): Promise<RedisProcess> {
  const chosen = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'portal-line-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${chosen}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}; is it installed?`);
    if (await answersPing(chosen)) break;
    {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${chosen} did not answer within 10 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port: chosen,
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
