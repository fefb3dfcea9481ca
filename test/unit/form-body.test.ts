import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { BodyRefused, readForm } from '../../src/http/form-body';

const LIMITS = { bytes: 1024, parameters: 5 };

/** A server that reads each request's form and answers with the parameters as JSON, or the refusal. */
let server: http.Server;
let base: string;
const seen: (Record<string, unknown> | { status: number; reason: string })[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    readForm(req, LIMITS).then(
      (params) => {
        seen.push({ ...params });
        res.end(JSON.stringify({ params, proto: Object.getPrototypeOf(params) === null }));
      },
      (error: unknown) => {
        const refused = error as BodyRefused;
        seen.push({ status: refused.status, reason: refused.message });
        res.writeHead(refused.status).end(refused.message);
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const post = async (body: string, headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' }) => {
  const res = await fetch(base, { method: 'POST', body, headers });
  return { status: res.status, text: await res.text() };
};

test('a form becomes its parameters: "+" is a space, escapes decoded, repeats kept in order, no prototype', async () => {
  const res = await post('CallSid=CA1&Digits=1+2%2A&Digits=3&__proto__=x&empty=');
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text)).toEqual({
    params: { CallSid: 'CA1', Digits: ['1 2*', '3'], ['__proto__']: 'x', empty: '' },
    proto: true,
  });
});

test('UTF-8 is decoded, stated or not; an escape that is not hex is kept, bytes that are not UTF-8 become U+FFFD', async () => {
  const body = `Name=${encodeURIComponent('Élise 😀')}&Bad=%E0%A4%A&Worse=%ZZ`;
  for (const type of ['application/x-www-form-urlencoded', 'Application/X-WWW-Form-URLEncoded; charset="UTF-8"']) {
    const res = await post(body, { 'Content-Type': type });
    expect(JSON.parse(res.text).params).toEqual({ Name: 'Élise 😀', Bad: '\uFFFD%A', Worse: '%ZZ' });
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
  ['UTF-16', { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-16' }, 415, 'unsupported body encoding'],
  ['gzip', { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Encoding': 'gzip' }, 415, 'unsupported body encoding'],
])('%s is refused before the body is read', async (_name, headers, status, reason) => {
  const res = await post('CallSid=CA1', headers as Record<string, string>);
  expect(res).toEqual({ status, text: reason });
});

test('identity content encoding is no encoding', async () => {
  const res = await post('a=1', { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Encoding': 'identity' });
  expect(JSON.parse(res.text).params).toEqual({ a: '1' });
});

test('a body over the size limit: 413, whether its length is declared or it arrives in chunks', async () => {
  expect(await post('x'.repeat(LIMITS.bytes + 1))).toEqual({ status: 413, text: 'request body is too large' });
  expect(await post('x'.repeat(LIMITS.bytes))).toMatchObject({ status: 200 });
  // Chunked: no Content-Length to refuse up front; the count as chunks arrive stops it. The client, still sending,
  // gets the 413 (not a reset), and its next request is answered.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (chunks: string[]) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(base, { agent, method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }, (r) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode!, text }));
      });
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  const over = await send(Array.from({ length: 20 }, () => 'y'.repeat(100)));
  expect(over).toEqual({ status: 413, text: 'request body is too large' });
  const next = await send(['a=1']);
  expect(next).toMatchObject({ status: 200 });
  agent.destroy();
});

test('more parameters than the limit: 413', async () => {
  expect(await post('a=1&b=2&c=3&d=4&e=5')).toMatchObject({ status: 200 });
  expect(await post('a=1&b=2&c=3&d=4&e=5&f=6')).toEqual({ status: 413, text: 'too many parameters' });
});

test('a request that ends before its body is refused, and the server carries on', async () => {
  const before = seen.length;
  await new Promise<void>((resolve) => {
    const socket = connect(Number(new URL(base).port), '127.0.0.1', () => {
      socket.write(
        'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nCallSid=CA',
      );
      setTimeout(() => socket.destroy(), 50);
    });
    socket.on('close', () => resolve());
  });
  await new Promise((r) => setTimeout(r, 50));
  expect(seen.slice(before)).toEqual([{ status: 400, reason: expect.any(String) }]);
  expect((await post('a=1')).status).toBe(200);
});
