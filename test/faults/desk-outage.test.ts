import { getExpectedTwilioSignature } from 'twilio';
import { csrfOf, DESK_PASSWORD, deskUsers, openEvents, setCookies, type SseEvent } from '../helpers/desk';
import { AUTH_TOKEN } from '../helpers/line';
import { startLineProcess, type LineProcess } from '../helpers/processes';
import { startRedis, type RedisProcess } from '../helpers/redis-server';

/**
 * Two line processes on one private redis-server, which is stopped and started again (empty) while calls come. The
 * transfers made meanwhile are kept by the instance that saw them and reach the desk once Redis is back, with the
 * times they happened; the page open meanwhile says its updates are paused, and live again afterwards.
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

async function webhook(line: LineProcess, path: string, params: Record<string, string>): Promise<string> {
  const res = await fetch(url(line, path), {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC + path, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  expect(res.status).toBe(200);
  return res.text();
}

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

const status = (e: SseEvent) => JSON.parse(e.data) as { live: boolean; text: string };

test('transfers made while Redis is down reach the desk when it is back, at their own times; the page is not live meanwhile', async () => {
  const stream = await openEvents(url(b, '/desk/events'), await signIn(a));
  try {
    expect(status(await stream.next((e) => e.event === 'status'))).toMatchObject({ live: true });
    await stream.next((e) => e.event === 'snapshot');

    await redis.stop();
    // B's page: its instance no longer hears the others.
    const paused = status(await stream.next((e) => e.event === 'status', 5000));
    expect(paused).toEqual({ live: false, text: expect.stringMatching(/^Reconnecting — updates paused/) });

    // Two calls while Redis is down: each caller is transferred to the desk (the rescue), on A.
    const sids = [`CA${'0ad1'.repeat(8)}`, `CA${'0ad2'.repeat(8)}`];
    const during: number[] = [];
    for (const sid of sids) {
      during.push(Date.now());
      const twiml = await webhook(a, '/voice', { CallSid: sid, From: '+15555550142', To: '+15555550100' });
      expect(twiml).toContain('<Dial');
    }
    await new Promise((r) => setTimeout(r, 1500));

    const back = Date.now();
    redis = await startRedis([], redis.port);
    // Live again once B hears the others and A has written what it kept.
    expect(status(await stream.next((e) => e.event === 'status' && status(e).live, 15_000))).toMatchObject({ live: true });

    // Redis came back empty (sign-ins too): an agent signs in again and finds both transfers, at their own times.
    // (B is live once it hears the others again; A writes what it kept within a second or two of reaching Redis.)
    for (const until = Date.now() + 10_000; (await fetch(url(b, '/readyz'))).status !== 200 && Date.now() < until;)
      await new Promise((r) => setTimeout(r, 100));
    const cookie = await signIn(b);
    let transfers: { callSid: string; at: string }[] = [];
    for (const until = Date.now() + 5000; transfers.length < 2 && Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      const day = await fetch(url(b, '/desk/api/transfers'), { headers: { Cookie: cookie } });
      transfers = ((await day.json()) as { transfers: { callSid: string; at: string }[] }).transfers;
    }
    // A's log says what it kept and wrote, when this fails.
    expect({ transfers: transfers.map((t) => t.callSid).sort(), log: transfers.length < 2 ? a.output() : '' }).toEqual({
      transfers: [...sids].sort(),
      log: '',
    });
    for (const [i, sid] of sids.entries()) {
      const at = Date.parse(transfers.find((t) => t.callSid === sid)!.at);
      expect(at).toBeGreaterThanOrEqual(during[i]! - 50);
      expect(at).toBeLessThan(back);
    }
    // Each is recorded once, however often A tried.
    expect(transfers).toHaveLength(2);
  } finally {
    stream.close();
  }
});
