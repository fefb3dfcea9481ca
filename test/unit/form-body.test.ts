import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import express from 'express';
import { webhookGuard } from '../../src/http/webhook';
import { createLogger } from '../../src/common/log';
import { signWebhook, type WebhookParams } from '../../src/telephony/signature';

/** The webhook guard's form reading, through a real server: its limits are Twilio's (16 KB, 100 parameters). */
const TOKEN = 'form-test-token';
let server: http.Server;
let base: string;
const logs: string[] = [];

beforeAll(async () => {
  const app = express();
  // The public base URL is the server itself, so that the requests below can be signed for it.
  let publicBaseUrl = '';
  const logger = createLogger('info', { write: (line: string) => void logs.push(line) });
  app.use((req, res, next) => webhookGuard({ authToken: TOKEN, publicBaseUrl }, logger)(req, res, next));
  app.use((req, res) => {
    res.json({ params: req.body as unknown, proto: Object.getPrototypeOf(req.body) === Object.prototype });
  });
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  publicBaseUrl = base;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

/** Posts `body`, signed for the parameters it should be read as (`signedFor`, or none). */
const post = async (body: string, headers: Record<string, string> = FORM, signedFor: WebhookParams = {}) => {
  const { signature } = signWebhook(TOKEN, `${base}/voice`, signedFor);
  const res = await fetch(`${base}/voice`, { method: 'POST', body, headers: { ...headers, 'X-Twilio-Signature': signature } });
  return { status: res.status, text: await res.text() };
};

test('a form becomes its parameters: "+" is a space, escapes decoded, repeats kept in order', async () => {
  const params = { CallSid: 'CA1', Digits: ['1 2*', '3'], empty: '' };
  const res = await post('CallSid=CA1&Digits=1+2%2A&Digits=3&empty=', FORM, params);
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text)).toEqual({ params, proto: true });
});

test('a parameter named __proto__ is harmless: dropped, with no prototype changed, for the body or for objects', async () => {
  // Nested names are not expanded (extended: false): brackets are part of the name.
  const kept = { CallSid: 'CA1', '__proto__[polluted]': 'yes', 'constructor[prototype][polluted]': 'yes' };
  const res = await post('CallSid=CA1&__proto__=x&__proto__[polluted]=yes&constructor[prototype][polluted]=yes', FORM, kept);
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text)).toEqual({ params: kept, proto: true });
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

test('names an object inherits (constructor, toString) are parameters like any other, repeated or not', async () => {
  const params = { constructor: ['a', 'c'], toString: 'b', hasOwnProperty: '' };
  const res = await post('constructor=a&toString=b&constructor=c&hasOwnProperty=', FORM, params);
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text)).toEqual({ params, proto: true });
});

test('UTF-8 is decoded, stated or not', async () => {
  const body = `Name=${encodeURIComponent('Élise 😀')}`;
  for (const type of ['application/x-www-form-urlencoded', 'Application/X-WWW-Form-URLEncoded; charset="UTF-8"']) {
    const res = await post(body, { 'Content-Type': type }, { Name: 'Élise 😀' });
    expect(JSON.parse(res.text).params).toEqual({ Name: 'Élise 😀' });
  }
});

test('an empty body is no parameters', async () => {
  expect(JSON.parse((await post('')).text)).toEqual({ params: {}, proto: true });
});

test.each([
  ['no content type', {}, 415, 'Twilio webhooks must be sent as application/x-www-form-urlencoded'],
  ['JSON', { 'Content-Type': 'application/json' }, 415, 'Twilio webhooks must be sent as application/x-www-form-urlencoded'],
  [
    'a form prefix that is another type',
    { 'Content-Type': 'application/x-www-form-urlencodedx' },
    415,
    'Twilio webhooks must be sent as application/x-www-form-urlencoded',
  ],
  ['latin1', { 'Content-Type': 'application/x-www-form-urlencoded; charset=latin1' }, 415, 'unsupported body encoding'],
  ['ISO-8859-1', { 'Content-Type': 'application/x-www-form-urlencoded; charset=ISO-8859-1' }, 415, 'unsupported body encoding'],
  ['UTF-16', { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-16' }, 415, 'unsupported body encoding'],
  ['gzip', { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Encoding': 'gzip' }, 415, 'unsupported body encoding'],
  ['brotli', { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Encoding': 'br' }, 415, 'unsupported body encoding'],
])('%s is refused with a reason', async (_name, headers, status, reason) => {
  const res = await post('CallSid=CA1', headers as Record<string, string>);
  expect(res).toEqual({ status, text: reason });
});

test('identity content encoding is no encoding', async () => {
  const res = await post('a=1', { ...FORM, 'Content-Encoding': 'identity' }, { a: '1' });
  expect(JSON.parse(res.text).params).toEqual({ a: '1' });
});

test('a body over 16 KB: 413, whether its length is declared or it arrives in chunks', async () => {
  expect(await post('x'.repeat(16 * 1024 + 1))).toEqual({ status: 413, text: 'request body is too large' });
  expect(await post('x'.repeat(16 * 1024), FORM, { ['x'.repeat(16 * 1024)]: '' })).toMatchObject({ status: 200 });
  // Chunked: no Content-Length to refuse up front. The client, still sending, gets the 413 (not a reset), and its
  // next request is answered.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (chunks: string[]) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(`${base}/voice`, { agent, method: 'POST', headers: FORM }, (r) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode!, text }));
      });
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  const over = await send(Array.from({ length: 20 }, () => 'y'.repeat(1000)));
  expect(over).toEqual({ status: 413, text: 'request body is too large' });
  const next = await send(['a=1']);
  expect(next).toMatchObject({ status: 403 });
  agent.destroy();
});

test('more than 100 parameters: 413', async () => {
  const form = (n: number) => Array.from({ length: n }, (_, i) => `p${i}=${i}`).join('&');
  const params = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, String(i)]));
  expect(await post(form(100), FORM, params(100))).toMatchObject({ status: 200 });
  expect(await post(form(101), FORM, params(101))).toEqual({ status: 413, text: 'too many parameters' });
});

test('a request that ends before its body is refused, and the server carries on', async () => {
  const before = logs.length;
  await new Promise<void>((resolve) => {
    const socket = connect(Number(new URL(base).port), '127.0.0.1', () => {
      socket.write(
        'POST /voice HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nCallSid=CA',
      );
      setTimeout(() => socket.destroy(), 50);
    });
    socket.on('close', () => resolve());
  });
  await new Promise((r) => setTimeout(r, 50));
  expect(logs.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
    expect.objectContaining({ msg: 'webhook refused', status: 400, reason: 'malformed request' }),
  ]);
  expect((await post('a=1', FORM, { a: '1' })).status).toBe(200);
});
