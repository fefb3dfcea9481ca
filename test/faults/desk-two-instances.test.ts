import { getExpectedTwilioSignature } from 'twilio';
import { forReading } from '../../src/desk/views/cards';
import { referenceFor } from '../../src/engine/step';
import { portalLogin } from '../helpers/flows';
import { csrfOf, DESK_PASSWORD, deskUsers, openEvents, setCookies } from '../helpers/desk';
import { AUTH_TOKEN } from '../helpers/line';
import { startLineProcess, type LineProcess } from '../helpers/processes';
import { startRedis, type RedisProcess } from '../helpers/redis-server';

/**
 * Two line processes share one private Redis, as two instances behind a balancer do. An agent signs in on one and
 * keeps the page open on the other; a transfer whose webhooks reach the first appears on that page within 2 s.
 */
jest.setTimeout(60_000);
const PUBLIC = 'https://line.example.test';

let redis: RedisProcess;
let a: LineProcess;
let b: LineProcess;
beforeAll(async () => {
  redis = await startRedis();
  const env = { REDIS_URL: redis.url, PUBLIC_BASE_URL: PUBLIC, DESK_USERS: await deskUsers() };
  [a, b] = await Promise.all([startLineProcess(env), startLineProcess(env)]);
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await redis?.stop();
});

const url = (line: LineProcess, path: string) => `http://127.0.0.1:${line.port}${path}`;

/** Posts a webhook to `line`, signed for the public URL as Twilio signs it. */
async function webhook(line: LineProcess, path: string, params: Record<string, string>): Promise<void> {
  const res = await fetch(url(line, path), {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC + path, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  expect(res.status).toBe(200);
}

/** Signs in through `line`'s form; returns the session cookie. */
async function signIn(line: LineProcess): Promise<string> {
  const form = await fetch(url(line, '/desk/sign-in'));
  const formCookie = setCookies({ 'set-cookie': form.headers.getSetCookie() }).get('desk_form')!.value;
  const res = await fetch(url(line, '/desk/sign-in'), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: `desk_form=${formCookie}` },
    body: new URLSearchParams({ csrf: csrfOf(await form.text()), name: 'alice', password: DESK_PASSWORD }).toString(),
  });
  expect(res.status).toBe(303);
  return `desk_session=${setCookies({ 'set-cookie': res.headers.getSetCookie() }).get('desk_session')!.value}`;
}

test('a transfer made on instance A appears within 2 s on a page served by instance B, signed in on A', async () => {
  const cookie = await signIn(a);
  const stream = await openEvents(url(b, '/desk/events'), cookie);
  try {
    expect(stream.status).toBe(200);
    await stream.next((e) => e.event === 'snapshot');
    const sid = `CA${'d35c'.repeat(8)}`;
    const call = { CallSid: sid, From: '+15555550142', To: '+15555550100' };
    const started = Date.now();
    await webhook(a, '/voice', call);
    await webhook(a, '/voice/input?t=1', { ...call, Digits: '4' });
    await webhook(a, '/voice/input?t=2', { ...call, Digits: '3' });
    await webhook(a, '/voice/input?t=3', { ...call, Digits: '3' });
    const transferAt = Date.now();
    await webhook(a, '/voice/input?t=4', { ...call, Digits: '3' });
    const event = await stream.next((e) => e.event === 'transfer', 2000);
    expect(Date.now() - transferAt).toBeLessThan(2000);
    const data = JSON.parse(event.data) as { id: string; html: string };
    expect(data.id).toBe(`call-${sid}`);
    expect(data.html).toContain(`Reference ${referenceFor(sid).slice(0, 3)} ${referenceFor(sid).slice(3)}`);
    expect(data.html).toContain('(555) 555-0142');
    // What the caller told the line: the note of the last steps the caller went past.
    expect(data.html).toContain(
      `<li>${forReading((portalLogin().flow.nodes['black-screen-it-support'] as { note: string }).note)} (pressed 3)</li>`,
    );
    // The desk answers; B's page hears that too.
    await webhook(a, '/voice/dial?t=5', { ...call, DialCallStatus: 'completed' });
    expect((await stream.next((e) => e.event === 'dial', 2000)).data).toContain('Answered by the desk');
    expect(Date.now() - started).toBeLessThan(5000);
    // A page opened later on B shows the day, as A recorded it.
    const later = await fetch(url(b, '/desk/api/transfers'), { headers: { Cookie: cookie } });
    expect(((await later.json()) as { transfers: { callSid: string; dial: unknown }[] }).transfers[0]).toMatchObject({
      callSid: sid,
      dial: { result: 'answered' },
    });
    // Signing out on A closes the page open on B.
    const page = await fetch(url(a, '/desk'), { headers: { Cookie: cookie } });
    await fetch(url(a, '/desk/sign-out'), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie },
      body: new URLSearchParams({ csrf: csrfOf(await page.text()) }).toString(),
    });
    await stream.next((e) => e.event === 'signed-out', 2000);
    await stream.ended;
    expect((await fetch(url(b, '/desk/api/transfers'), { headers: { Cookie: cookie } })).status).toBe(401);
  } finally {
    stream.close();
  }
});

test('an instance shutting down closes its open desk pages (they reconnect elsewhere) and exits cleanly', async () => {
  const line = await startLineProcess({
    REDIS_URL: redis.url,
    PUBLIC_BASE_URL: PUBLIC,
    DESK_USERS: await deskUsers(),
    SHUTDOWN_DRAIN_SECONDS: '1',
  });
  try {
    const stream = await openEvents(url(line, '/desk/events'), await signIn(line));
    await stream.next((e) => e.event === 'snapshot');
    const started = Date.now();
    const exited = line.stop('SIGTERM');
    await stream.ended;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await exited).toBe(0);
  } finally {
    await line.stop();
  }
});
