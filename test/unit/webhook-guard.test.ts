import express, { type NextFunction, type Request, type Response } from 'express';
import pino from 'pino';
import request from 'supertest';
import { webhookGuard } from '../../src/http/webhook';
import { RefusalLog } from '../../src/http/refusal-log';
import { createLogger } from '../../src/common/log';
import { signWebhook } from '../../src/telephony/signature';

const TOKEN = 'guard-test-token';
const BASE = 'https://line.example.test';

/** An app with the guard in front of `then`, and an error handler that says what reached it. */
function appWith(then: (req: Request, res: Response) => void, refusals?: (logger: pino.Logger) => RefusalLog) {
  const logs: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void logs.push(line) } as pino.DestinationStream);
  const guard = webhookGuard({ authToken: TOKEN, publicBaseUrl: BASE }, logger, refusals?.(logger));
  const calls: unknown[] = [];
  const app = express();
  app.use((req, res, next) =>
    guard(req, res, (error?: unknown) => {
      if (error !== undefined) {
        next(error);
        return;
      }
      calls.push(req.body);
      then(req, res);
    }),
  );
  app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(200).type('text/plain').send(`rescued: ${error.message}`);
  });
  return { app, calls, logs };
}

const params = { CallSid: `CA${'c'.repeat(32)}`, Digits: '1' };
const signed = (path: string) => signWebhook(TOKEN, `${BASE}${path}`, params).signature;

test('a signed form reaches what follows with its parameters', async () => {
  const { app, calls } = appWith((_req, res) => void res.send('ok'));
  await request(app)
    .post('/voice/input?t=1')
    .type('form')
    .set('X-Twilio-Signature', signed('/voice/input?t=1'))
    .send(params)
    .expect(200, 'ok');
  expect(calls).toEqual([params]);
});

test('an unsigned or wrongly signed form is refused and logged without its signature; nothing follows', async () => {
  const { app, calls, logs } = appWith((_req, res) => void res.send('ok'));
  await request(app).post('/voice').type('form').send(params).expect(403, 'missing X-Twilio-Signature');
  await request(app)
    .post('/voice')
    .type('form')
    .set('X-Twilio-Signature', 'forged-signature')
    .send(params)
    .expect(
      403,
      `X-Twilio-Signature does not match this request. The line checks signatures over ${BASE}/voice (its PUBLIC_BASE_URL, ${BASE}, and the path): sign over that URL with the line's auth token`,
    );
  expect(calls).toEqual([]);
  expect(logs.join('')).not.toContain('forged-signature');
  expect(logs.map((l) => JSON.parse(l) as { msg: string; status: number })).toMatchObject([
    { msg: 'webhook refused', status: 403 },
    { msg: 'webhook refused', status: 403 },
  ]);
});

test('signed over the URL the request came to instead of PUBLIC_BASE_URL: the answer names both; the log keeps its one reason', async () => {
  const { app, logs } = appWith((_req, res) => void res.send('ok'));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const here = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const { signature } = signWebhook(TOKEN, `${here}/voice/input?t=2`, params);
    const res = await request(here).post('/voice/input?t=2').type('form').set('X-Twilio-Signature', signature).send(params).expect(403);
    expect(res.text).toBe(
      `X-Twilio-Signature does not match this request. It was signed over ${here}/voice/input?t=2, but the line checks signatures over ${BASE}/voice/input?t=2 (its PUBLIC_BASE_URL, ${BASE}): set PUBLIC_BASE_URL to the URL the webhooks are sent to, or send them to that one`,
    );
    const logged = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toMatchObject([{ msg: 'webhook refused', status: 403, reason: 'X-Twilio-Signature does not match this request' }]);
    expect(logs.join('')).not.toContain(here);
  } finally {
    server.close();
  }
});

test('a fault in what follows the check reaches the error handler once; it neither crashes nor runs twice', async () => {
  const { app, calls } = appWith(() => {
    throw new Error('boom');
  });
  await request(app).post('/voice').type('form').set('X-Twilio-Signature', signed('/voice')).send(params).expect(200, 'rescued: boom');
  expect(calls).toHaveLength(1);
});

test('a flood of 1,000 forged requests logs the first, then one line with the count of the rest', async () => {
  let now = 0;
  const pending: (() => void)[] = [];
  const { app, calls, logs } = appWith(
    (_req, res) => void res.send('ok'),
    (logger) => new RefusalLog(logger, { windowMs: 10_000, now: () => now, schedule: (flush) => void pending.push(flush) }),
  );
  const agent = request.agent(app);
  for (let i = 0; i < 1000; i += 100)
    await Promise.all(
      Array.from({ length: 100 }, () => agent.post('/voice').type('form').set('X-Twilio-Signature', 'forged').send(params).expect(403)),
    );
  expect(calls).toEqual([]);
  expect(logs).toHaveLength(1);
  // The window ends: one line says how many were left out.
  now = 10_000;
  expect(pending).toHaveLength(1);
  pending.shift()!();
  const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines).toEqual([
    expect.objectContaining({ msg: 'webhook refused', status: 403, route: '/voice' }),
    expect.objectContaining({ msg: 'webhook refused', status: 403, route: '/voice', suppressed: 999 }),
  ]);
  // Another kind is logged at once; after a quiet window, the first kind is logged at once again.
  await agent.post('/voice').type('form').send(params).expect(403);
  now = 30_000;
  await agent.post('/voice').type('form').set('X-Twilio-Signature', 'forged').send(params).expect(403);
  expect(logs.map((l) => (JSON.parse(l) as { reason: string }).reason).slice(2)).toEqual([
    'missing X-Twilio-Signature',
    'X-Twilio-Signature does not match this request',
  ]);
});

test('a refused request’s path is cut short in its log line, and its query left out', async () => {
  const { app, logs } = appWith((_req, res) => void res.send('ok'));
  const long = `/voice/${'a'.repeat(5000)}`;
  await request(app).post(`${long}?Digits=5551234567`).type('form').set('X-Twilio-Signature', 'forged').send(params).expect(403);
  const [line] = logs.map((l) => JSON.parse(l) as { route: string });
  expect(line!.route).toBe(`${long.slice(0, 100)}…`);
  expect(logs.join('')).not.toContain('5551234567');
});
