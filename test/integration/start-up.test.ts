import { spawn, spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTwiml } from '../../src/simulator/twiml-reader';
import { signWebhook } from '../../src/telephony/signature';
import { getHealth, keptConnection } from '../helpers/kept-connection';
import { AUTH_TOKEN, startLineProcess } from '../helpers/processes';
import { freePort, startRedis } from '../helpers/redis-server';

/** The line's real entry point, as `npm start` runs it, from source. */
const MAIN = ['--import', 'tsx', 'src/main.ts'];

function startUp(env: Record<string, string>) {
  return spawnSync(process.execPath, MAIN, { encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, timeout: 15_000 });
}

test('a bad environment stops start-up listing every bad variable', () => {
  const result = startUp({ PORT: 'x', BSD_NUMBER: '911', REDIS_URL: 'localhost' });
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/^portal-line cannot start: invalid environment:\n {2}PORT: .+\n {2}REDIS_URL: .+\n {2}BSD_NUMBER: .+\n$/);
});

test('a bad flow stops start-up naming the file, the node and the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flows-'));
  writeFileSync(
    join(dir, 'portal-login.yaml'),
    readFileSync('call-flows/portal-login.yaml', 'utf8').replace('    no: username-reenter', '    no: username-renter'),
  );
  const result = startUp({ FLOWS_DIR: dir });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(`${dir}/portal-login.yaml:`);
  expect(result.stderr).toContain("node 'username', field 'no': unknown node 'username-renter'; did you mean 'username-reenter'?");
});

test('with nothing configured the line starts, answers /readyz, and stops on SIGTERM', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, MAIN, {
    env: { PATH: process.env.PATH, PORT: String(port), SHUTDOWN_DRAIN_SECONDS: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  const deadline = Date.now() + 15_000;
  while (!out.includes('portal-line ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  expect(ready.status).toBe(200);
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  const lines = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string });
  expect(lines.map((l) => l.msg)).toEqual(
    expect.arrayContaining(['no Redis configured: calls are kept in this process memory', 'portal-line ready', 'stopped']),
  );
});

const incomingCall = async (port: number) => {
  const url = `http://127.0.0.1:${port}/voice`;
  const { headers, body } = signWebhook(AUTH_TOKEN, url, { CallSid: `CA${'d'.repeat(32)}`, From: '+16045550123', To: '+18005550100' });
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, verbs: readTwiml(await res.text()) };
};

test('the line listens once Redis answers, so the first call is answered from the start of the menu', async () => {
  const port = await freePort();
  const redisPort = await freePort();
  const starting = startLineProcess({
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
  });
  // Redis comes up a second after the line starts.
  await new Promise((r) => setTimeout(r, 1000));
  const redis = await startRedis([], redisPort);
  const line = await starting;
  try {
    const first = await incomingCall(port);
    expect(first.status).toBe(200);
    expect(first.verbs[0]).toMatchObject({
      verb: 'Gather',
      says: [expect.stringMatching(/^Customer Portal login help\. .* Which login problem\?/)],
    });
  } finally {
    await line.stop();
    await redis.stop();
  }
});

test('without Redis, the line listens after a few seconds anyway: /readyz is 503 and a caller is transferred to the desk', async () => {
  const port = await freePort();
  const started = Date.now();
  const line = await startLineProcess({
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
  });
  try {
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
    const call = await incomingCall(port);
    expect(call.status).toBe(200);
    expect(call.verbs.map((v) => v.verb)).toEqual(['Say', 'Dial']);
    expect(call.verbs[1]).toMatchObject({ numbers: [{ number: '+18006052965' }] });
    // Log lines are held for up to a quarter of a second (src/common/log.ts).
    const logged = Date.now() + 2_000;
    while (!line.output().includes('listening anyway') && Date.now() < logged) await new Promise((r) => setTimeout(r, 50));
    expect(line.output()).toContain('the store does not answer yet: listening anyway');
  } finally {
    await line.stop();
  }
}, 30_000);

test('an idle keep-alive connection stays open for HTTP_KEEP_ALIVE_SECONDS, past Node’s own 5 s, then closes', async () => {
  const [kept, short] = await Promise.all([
    startLineProcess({ HTTP_KEEP_ALIVE_SECONDS: '8' }),
    startLineProcess({ HTTP_KEEP_ALIVE_SECONDS: '1' }),
  ]);
  try {
    const a = keptConnection(kept.port);
    const b = keptConnection(short.port);
    expect([(await a.send(getHealth)).status, (await b.send(getHealth)).status]).toEqual([200, 200]);
    const idleFrom = Date.now();
    await new Promise((r) => setTimeout(r, 6_000));
    // Still open after 6 s idle, and the next request on it is answered.
    expect(a.closedAt()).toBeNull();
    expect((await a.send(getHealth)).status).toBe(200);
    // The other closed it after about a second.
    expect(b.closedAt()).not.toBeNull();
    expect(b.closedAt()! - idleFrom).toBeLessThan(3_000);
    a.end();
    b.end();
  } finally {
    await Promise.all([kept.stop(), short.stop()]);
  }
}, 30_000);

test('a port already in use stops start-up with one readable line and exit code 1, no stack trace', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as { port: number };
  try {
    const result = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, MAIN, {
        env: { PATH: process.env.PATH, PORT: String(port) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += String(d)));
      child.on('exit', (status) => resolve({ status, stderr }));
    });
    expect(result).toEqual({ status: 1, stderr: `portal-line cannot start: port ${port} is already in use (set PORT to another port)\n` });
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});

/** The newest modification time of the files under `dir`. */
function newest(dir: string): number {
  return Math.max(...readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => statSync(join(e.parentPath, e.name)).mtimeMs));
}

/** Every process below `pid`, from /proc. */
function descendants(pid: number): { pid: number; command: string }[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: { pid: number; command: string }[] = [];
  const visit = (p: number) => {
    for (const child of children.get(p) ?? []) {
      found.push({ pid: child, command: readFileSync(`/proc/${child}/cmdline`, 'utf8').replace(/\0/g, ' ') });
      visit(child);
    }
  };
  visit(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(true));
  });

describe('`npm start`, stopped as a process manager or a terminal stops it', () => {
  beforeAll(() => {
    // npm start runs the build: make sure it is the build of this source.
    if (!existsSync('dist/src/main.js') || statSync('dist/src/main.js').mtimeMs < newest('src')) {
      const build = spawnSync('npm', ['run', 'build', '--silent'], { encoding: 'utf8', timeout: 120_000 });
      if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
    }
  }, 130_000);

  test.each([
    ['SIGTERM sent to the npm process alone', (npm: number) => process.kill(npm, 'SIGTERM')],
    ['Ctrl-C (SIGINT to the whole process group)', (npm: number) => process.kill(-npm, 'SIGINT')],
  ])(
    '%s: the node process is gone and the port free within a few seconds',
    async (_name, stop) => {
      const port = await freePort();
      const npm = spawn('npm', ['start', '--silent'], {
        env: { PATH: process.env.PATH, PORT: String(port), SHUTDOWN_DRAIN_SECONDS: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, as a terminal gives a foreground job.
        detached: true,
      });
      npm.stdout.resume();
      npm.stderr.resume();
      let node: number | undefined;
      try {
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline && (await portFree(port))) await new Promise((r) => setTimeout(r, 100));
        const line = descendants(npm.pid!).filter((p) => /^(\S*\/)?node (?:--\S+ )*dist\/src\/main\.js/.test(p.command));
        expect(line).toHaveLength(1);
        node = line[0]!.pid;
        stop(npm.pid!);
        const gone = Date.now() + 5_000;
        while (Date.now() < gone && (alive(node!) || !(await portFree(port)))) await new Promise((r) => setTimeout(r, 50));
        expect(alive(node!)).toBe(false);
        expect(await portFree(port)).toBe(true);
      } finally {
        // A node process left behind by npm is no longer below it: it is killed by its own id.
        for (const pid of [node, ...descendants(npm.pid!).map((p) => p.pid)])
          if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
        if (alive(npm.pid!)) process.kill(npm.pid!, 'SIGKILL');
      }
    },
    40_000,
  );
});

test('/metrics is served on METRICS_PORT, not on the public port; production on plain http starts only with ALLOW_HTTP=1, and says so', async () => {
  const env = { NODE_ENV: 'production', PUBLIC_BASE_URL: 'http://line.example.org', TWILIO_AUTH_TOKEN: '9f86d081884c7d659a2feaa0c55ad015' };
  const refused = startUp(env);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain('PUBLIC_BASE_URL: is http://line.example.org, plain http; in production use https');
  const line = await startLineProcess({ ...env, ALLOW_HTTP: '1' });
  try {
    expect((await fetch(`http://127.0.0.1:${line.port}/metrics`)).status).toBe(404);
    const metrics = await fetch(`http://127.0.0.1:${line.metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('portal_line_webhooks_total');
    const logged = Date.now() + 2_000;
    while (!line.output().includes('portal-line ready') && Date.now() < logged) await new Promise((r) => setTimeout(r, 50));
    expect(line.output()).toMatch(/"level":40,.*"msg":"ALLOW_HTTP=1: the public URL is plain http in production/);
    expect(line.output()).toContain(`"metricsPort":${line.metricsPort}`);
  } finally {
    await line.stop();
  }
});

test('a metrics port already taken is logged as an error, and the line still answers calls', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, r));
  const metricsPort = (taken.address() as { port: number }).port;
  const port = await freePort();
  const line = await startLineProcess({
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    METRICS_PORT: String(metricsPort),
  });
  try {
    expect((await incomingCall(port)).status).toBe(200);
    const logged = Date.now() + 2_000;
    while (!line.output().includes('portal-line ready') && Date.now() < logged) await new Promise((r) => setTimeout(r, 50));
    expect(line.output()).toContain(`metrics cannot be served: port ${metricsPort} is already in use; set METRICS_PORT to another port`);
  } finally {
    await line.stop();
    taken.close();
  }
});
