import { Redis } from 'ioredis';
import { getExpectedTwilioSignature } from 'twilio';
import { AUTH_TOKEN } from '../helpers/line';
import { startLineProcess } from '../helpers/processes';
import { startRedis } from '../helpers/redis-server';

/** SIGTERM: readiness turns 503, the webhook in flight finishes, then the process exits 0. */
jest.setTimeout(60_000);

test('a webhook in flight when SIGTERM arrives is answered; readiness is 503 during the drain; exit 0', async () => {
  const redis = await startRedis(['--enable-debug-command', 'yes']);
  const line = await startLineProcess({ REDIS_URL: redis.url, PUBLIC_BASE_URL: 'https://line.example.test', SHUTDOWN_DRAIN_SECONDS: '1' });
  const base = `http://127.0.0.1:${line.port}`;
  const post = (path: string, params: Record<string, string>) =>
    fetch(base + path, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Twilio-Signature': getExpectedTwilioSignature(AUTH_TOKEN, `https://line.example.test${path}`, params),
      },
      body: new URLSearchParams(params).toString(),
    });
  const call = { CallSid: `CA${'d'.repeat(32)}` };
  try {
    while ((await fetch(`${base}/readyz`)).status !== 200) await new Promise((r) => setTimeout(r, 50));
    // Redis answers slowly, so the incoming-call webhook is still in flight when the signal arrives.
    const admin = new Redis(redis.url);
    void admin.call('DEBUG', 'SLEEP', '0.4').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 30));
    const inFlight = post('/voice', call);
    await new Promise((r) => setTimeout(r, 50));
    const exited = line.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('<Gather');
    expect(await exited).toBe(0);
    admin.disconnect();
    expect(line.output()).toContain('"msg":"stopped"');
  } finally {
    await line.stop();
    await redis.stop();
  }
});
