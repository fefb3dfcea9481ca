import express, { type NextFunction, type Request, type Response } from 'express';
import pino from 'pino';
import request from 'supertest';
import { getExpectedTwilioSignature } from 'twilio';
import { webhookGuard } from '../../src/http/webhook';
import { createLogger } from '../../src/common/log';

const TOKEN = 'guard-test-token';
const BASE = 'https://line.example.test';

/** An app with the guard in front of `then`, and an error handler that says what reached it. */
function appWith(then: (req: Request, res: Response) => void) {
  const logs: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void logs.push(line) } as pino.DestinationStream);
  const guard = webhookGuard({ authToken: TOKEN, publicBaseUrl: BASE }, logger);
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
const signed = (path: string) => getExpectedTwilioSignature(TOKEN, `${BASE}${path}`, params);

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
    .expect(403, 'X-Twilio-Signature does not match this request');
  expect(calls).toEqual([]);
  expect(logs.join('')).not.toContain('forged-signature');
  expect(logs.map((l) => JSON.parse(l) as { msg: string; status: number })).toMatchObject([
    { msg: 'webhook refused', status: 403 },
    { msg: 'webhook refused', status: 403 },
  ]);
});

test('a fault in what follows the check reaches the error handler once; it neither crashes nor runs twice', async () => {
  const { app, calls } = appWith(() => {
    throw new Error('boom');
  });
  await request(app).post('/voice').type('form').set('X-Twilio-Signature', signed('/voice')).send(params).expect(200, 'rescued: boom');
  expect(calls).toHaveLength(1);
});
