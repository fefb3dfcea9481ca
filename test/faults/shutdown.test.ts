import { Redis } from 'ioredis';
import { readTwiml } from '../../src/simulator/twiml-reader';
import { signWebhook } from '../../src/telephony/signature';
import { getHealth, keptConnection } from '../helpers/kept-connection';
import { AUTH_TOKEN, startLineProcess, type LineProcess } from '../helpers/processes';
import { startRedis, type RedisProcess } from '../helpers/redis-server';

/** SIGTERM: readiness turns 503 during the drain; a webhook in flight when the server closes is answered; exit 0. */
jest.setTimeout(60_000);
const PUBLIC = 'https://line.example.test';

let redis: RedisProcess;
beforeEach(async () => {
  redis = await startRedis(['--enable-debug-command', 'yes']);
});
afterEach(async () => {
  await redis.stop();
});

function poster(line: LineProcess) {
  return (path: string, params: Record<string, string>) => {
    const { headers, body } = signWebhook(AUTH_TOKEN, `${PUBLIC}${path}`, params);
    return fetch(`http://127.0.0.1:${line.port}${path}`, { method: 'POST', headers, body });
  };
}

/** portal_line_ready on the process's metrics port. */
async function readyGauge(line: LineProcess): Promise<string | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${line.metricsPort}/metrics`)).text();
  return /^portal_line_ready (\S+)$/m.exec(text)?.[1];
}

test('during the drain /readyz is 503 (and portal_line_ready 0) while webhooks are still answered', async () => {
  const line = await startLineProcess({ REDIS_URL: redis.url, PUBLIC_BASE_URL: PUBLIC, SHUTDOWN_DRAIN_SECONDS: '2' }, { ready: '/readyz' });
  try {
    expect(await readyGauge(line)).toBe('1');
    const exited = line.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    expect((await fetch(`http://127.0.0.1:${line.port}/readyz`)).status).toBe(503);
    expect(await readyGauge(line)).toBe('0');
    const answer = await poster(line)('/voice', { CallSid: `CA${'e'.repeat(32)}` });
    expect(answer.status).toBe(200);
    expect(readTwiml(await answer.text())[0]).toMatchObject({ verb: 'Gather' });
    expect(await exited).toBe(0);
  } finally {
    await line.stop();
  }
});

test('a webhook in flight when the server closes is answered before the process exits', async () => {
  // No drain: the server closes at once, while Redis holds the webhook up.
  const line = await startLineProcess({ REDIS_URL: redis.url, PUBLIC_BASE_URL: PUBLIC, SHUTDOWN_DRAIN_SECONDS: '0' }, { ready: '/readyz' });
  const admin = new Redis(redis.url);
  try {
    void admin.call('DEBUG', 'SLEEP', '0.4').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 30));
    const inFlight = poster(line)('/voice', { CallSid: `CA${'d'.repeat(32)}` });
    await new Promise((r) => setTimeout(r, 50));
    const exited = line.stop('SIGTERM');
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(readTwiml(await answer.text())[0]).toMatchObject({ verb: 'Gather' });
    expect(await exited).toBe(0);
    // The server had stopped taking connections while the webhook was still being answered.
    expect(line.output().indexOf('"msg":"stopped"')).toBeGreaterThan(line.output().indexOf('"route":"/voice"'));
  } finally {
    admin.disconnect();
    await line.stop();
  }
});

function postWebhook(params: Record<string, string>): string {
  const { signature, body } = signWebhook(AUTH_TOKEN, `${PUBLIC}/voice`, params);
  return (
    `POST /voice HTTP/1.1\r\nHost: line\r\nConnection: keep-alive\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
    `X-Twilio-Signature: ${signature}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

test('during the drain every answer says Connection: close, and its connection is closed after it', async () => {
  const line = await startLineProcess({ REDIS_URL: redis.url, PUBLIC_BASE_URL: PUBLIC, SHUTDOWN_DRAIN_SECONDS: '3' }, { ready: '/readyz' });
  try {
    // Before: connections are kept alive.
    const before = keptConnection(line.port);
    expect(await before.send(getHealth)).toEqual({ status: 200, connection: 'keep-alive' });
    before.end();
    const exited = line.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    for (const request of [getHealth, postWebhook({ CallSid: `CA${'f'.repeat(32)}` })]) {
      const conn = keptConnection(line.port);
      expect(await conn.send(request)).toEqual({ status: 200, connection: 'close' });
      await until(() => conn.closedAt() !== null, 1_000);
      expect(conn.closedAt()).not.toBeNull();
    }
    expect(await exited).toBe(0);
  } finally {
    await line.stop();
  }
});

test('a kept-alive connection idle when SIGTERM arrives is closed at once, not at the end of the drain', async () => {
  const line = await startLineProcess({ REDIS_URL: redis.url, PUBLIC_BASE_URL: PUBLIC, SHUTDOWN_DRAIN_SECONDS: '3' }, { ready: '/readyz' });
  try {
    const idle = keptConnection(line.port);
    expect(await idle.send(getHealth)).toEqual({ status: 200, connection: 'keep-alive' });
    const signalled = Date.now();
    const exited = line.stop('SIGTERM');
    await until(() => idle.closedAt() !== null, 2_500);
    expect(idle.closedAt()).not.toBeNull();
    expect(idle.closedAt()! - signalled).toBeLessThan(1_000);
    // The line is still draining: a new connection is answered.
    expect((await fetch(`http://127.0.0.1:${line.port}/healthz`)).status).toBe(200);
    expect(await exited).toBe(0);
  } finally {
    await line.stop();
  }
});
