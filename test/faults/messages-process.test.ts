import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { getExpectedTwilioSignature } from 'twilio';
import { z } from 'zod';
import { RedisCallbackStore } from '../../src/backend/redis/callback-store';
import { AUTH_TOKEN } from '../helpers/line';
import { startLineProcess, type LineProcess } from '../helpers/processes';
import { startRedis, type RedisProcess } from '../helpers/redis-server';

/**
 * The line as its own process, on a private Redis, sending text messages to a local stand-in for Twilio's Messages
 * API (TWILIO_API_URL): the message it receives, a retry after a 500, no duplicate after a retried webhook; and a
 * restart with a callback and an unsent message pending loses neither.
 */
jest.setTimeout(90_000);
const PUBLIC = 'https://line.example.test';
const ACCOUNT = `AC${'7'.repeat(32)}`;
const FROM = '+15555550100';
const CALLER = '+12045550123';
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The form the Messages API takes, as the twilio client posts it. */
const messageForm = z.object({ To: z.string().regex(/^\+\d+$/), From: z.string(), Body: z.string().min(1) });
type Message = z.infer<typeof messageForm>;

/** A stand-in for Twilio's Messages API: answers 500 while `failing` says so, else 201, and keeps what it took. */
class StandIn {
  readonly received: Message[] = [];
  readonly refusedForms: string[] = [];
  attempts = 0;
  failing: () => boolean = () => false;
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += String(d)));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`) {
          res
            .writeHead(404, { 'Content-Type': 'application/json' })
            .end(JSON.stringify({ code: 20404, message: 'not found', status: 404 }));
          return;
        }
        const parsed = messageForm.safeParse(Object.fromEntries(new URLSearchParams(body)));
        if (!parsed.success) {
          this.refusedForms.push(body);
          res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: 21602, message: 'bad form', status: 400 }));
          return;
        }
        this.attempts++;
        if (this.failing()) {
          res
            .writeHead(500, { 'Content-Type': 'application/json' })
            .end(JSON.stringify({ code: 20500, message: 'Internal error', status: 500 }));
          return;
        }
        this.received.push(parsed.data);
        res
          .writeHead(201, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ sid: `SM${String(this.received.length).padStart(32, '0')}`, status: 'queued', to: parsed.data.To }));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((r) => (this.server === undefined ? r() : this.server.close(() => r())));
  }
}

/** Hours that make now closed: one hour on the day three days from now, in UTC. */
function closedNow(): Record<string, string> {
  const day = DAYS[(new Date().getUTCDay() + 6 + 3) % 7]!;
  return { BSD_HOURS: `${day} 08:00-09:00`, BSD_TIMEZONE: 'UTC' };
}

let redis: RedisProcess;
let standIn: StandIn;
let api: string;
const lines: LineProcess[] = [];
beforeAll(async () => {
  redis = await startRedis();
  standIn = new StandIn();
  api = await standIn.start();
});
afterAll(async () => {
  for (const l of lines) await l.stop();
  await standIn?.stop();
  await redis?.stop();
});

async function line(): Promise<LineProcess> {
  const started = await startLineProcess({
    REDIS_URL: redis.url,
    PUBLIC_BASE_URL: PUBLIC,
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_MESSAGING_FROM: FROM,
    TWILIO_API_URL: api,
    ...closedNow(),
  });
  lines.push(started);
  return started;
}

/** Posts a signed webhook; returns the TwiML. */
async function webhook(to: LineProcess, path: string, params: Record<string, string>): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${to.port}${path}`, {
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
const turnOf = (twiml: string) => Number(/\?t=(\d+)/.exec(twiml)![1]);

async function waitFor(probe: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let n = 0;
const callSid = () => `CA${Date.now().toString(16).padStart(16, '0')}${(n++).toString(16).padStart(16, '0')}`;

test('the desk closed, 8: the stand-in receives the message once, after a 500 and a retry, and a replayed webhook adds none', async () => {
  const a = await line();
  let fails = 1;
  standIn.failing = () => fails-- > 0;
  const sid = callSid();
  let twiml = await webhook(a, '/voice', { CallSid: sid, From: CALLER });
  twiml = await webhook(a, `/voice/input?t=${turnOf(twiml)}`, { CallSid: sid, From: CALLER, Digits: '0' });
  expect(twiml).toContain('The Business Support Desk is closed.');
  const t = turnOf(twiml);
  const answer = await webhook(a, `/voice/input?t=${t}`, { CallSid: sid, From: CALLER, Digits: '8' });
  expect(answer).toContain("I'll text the desk's number and hours to this phone.");
  // Twilio retries the same request: the same answer, and no second message.
  expect(await webhook(a, `/voice/input?t=${t}`, { CallSid: sid, From: CALLER, Digits: '8' })).toBe(answer);
  await waitFor(() => standIn.received.length === 1, 10_000);
  expect(standIn.attempts).toBe(2);
  expect(standIn.received[0]).toEqual({
    To: CALLER,
    From: FROM,
    Body: expect.stringContaining('Business Support Desk: 1-800-605-2965, hours:') as string,
  });
  await new Promise((r) => setTimeout(r, 2500));
  expect(standIn.received).toHaveLength(1);
  expect(standIn.refusedForms).toEqual([]);
  expect(a.output()).not.toContain(CALLER);
  await a.stop();
});

test('a restart with a callback and an unsent message pending loses neither', async () => {
  standIn.received.length = 0;
  standIn.attempts = 0;
  standIn.failing = () => true;
  const a = await line();
  const sid = callSid();
  let twiml = await webhook(a, '/voice', { CallSid: sid, From: CALLER });
  twiml = await webhook(a, `/voice/input?t=${turnOf(twiml)}`, { CallSid: sid, From: CALLER, Digits: '2' }); // password steps
  twiml = await webhook(a, `/voice/input?t=${turnOf(twiml)}`, { CallSid: sid, From: CALLER, Digits: '8' });
  expect(twiml).toContain("I'll text these steps to this phone.");
  twiml = await webhook(a, `/voice/input?t=${turnOf(twiml)}`, { CallSid: sid, From: CALLER, Digits: '0' });
  twiml = await webhook(a, `/voice/input?t=${turnOf(twiml)}`, { CallSid: sid, From: CALLER, Digits: '3' });
  twiml = await webhook(a, `/voice/input?t=${turnOf(twiml)}`, { CallSid: sid, From: CALLER, Digits: '1' });
  expect(twiml).toContain('The desk will call you back');
  await waitFor(() => standIn.attempts >= 1, 10_000);
  // The instance dies at once, its message unsent.
  await a.stop('SIGKILL');
  expect(standIn.received).toEqual([]);
  standIn.failing = () => false;
  const b = await line();
  await waitFor(() => standIn.received.length === 1, 20_000);
  expect(standIn.received[0]!.Body).toContain("Don't remember my password?");
  const client = new Redis(redis.url);
  try {
    const open = await new RedisCallbackStore(client, 'portal-line').open();
    expect(open.map((c) => [c.id, c.number, c.status])).toEqual([[sid, CALLER, 'open']]);
  } finally {
    await client.quit();
  }
  await b.stop();
});
