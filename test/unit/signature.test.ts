import express from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { validateRequest } from 'twilio';
import { webhookGuard } from '../../src/http/webhook';
import { createLogger } from '../../src/common/log';
import { signWebhook, type WebhookParams as Params } from '../../src/telephony/signature';

const TOKEN = 'signature-test-token';

/** An app as the line has it: the guard in front of a webhook, with `publicBaseUrl` as configured. */
function lineWith(publicBaseUrl: string) {
  const app = express();
  app.use(webhookGuard({ authToken: TOKEN, publicBaseUrl }, createLogger('silent')));
  app.use((_req, res) => void res.send('accepted'));
  return app;
}

/** The signature Twilio would send for `params` posted to `url`. */
const sign = (url: string, params: Params, token = TOKEN) => signWebhook(token, url, params).signature;

/** The line's answer: true when the webhook, its form as Twilio posts it and `signature`, got through the guard. */
async function accepted(publicBaseUrl: string, path: string, params: Params, signature: string | undefined): Promise<boolean> {
  const req = request(lineWith(publicBaseUrl)).post(path).type('form');
  if (signature !== undefined) req.set('X-Twilio-Signature', signature);
  const res = await req.send(signWebhook(TOKEN, publicBaseUrl + path, params).body);
  if (res.status !== 200 && res.status !== 403) throw new Error(`unexpected ${res.status}: ${res.text}`);
  return res.status === 200;
}

/** The twilio package's answer for the same URL and parameters. */
function libraryAccepts(url: string, params: Params, signature: string | undefined): boolean {
  try {
    return validateRequest(TOKEN, signature ?? '', url, params);
  } catch {
    return false;
  }
}

const flipCase = (host: string, mask: boolean[]) =>
  [...host].map((c, i) => (mask[i % mask.length] ? c.toUpperCase() : c.toLowerCase())).join('');

const base = fc
  .record({
    scheme: fc.constantFrom('https', 'http'),
    host: fc.constantFrom('line.example.test', 'portal-line.example.org', '10.0.0.7'),
    mask: fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
    port: fc.constantFrom('none', 'default', 'other'),
  })
  .map(({ scheme, host, mask, port }) => {
    const defaultPort = scheme === 'https' ? ':443' : ':80';
    const suffix = port === 'none' ? '' : port === 'default' ? defaultPort : ':8443';
    return { scheme, host: flipCase(host, mask), port: suffix, defaultPort };
  });

const text = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.constantFrom('5551234567', 'é & ü=?', "it's", '+1 (604)', '%41', '日本語', '😀'),
);
const name = fc.constantFrom('CallSid', 'Digits', 'From', 'Empty', 'Ünï', 'a b', 'x&y=z', 'Digits2');

const paramsArb: fc.Arbitrary<Params> = fc.dictionary(
  name,
  fc.oneof(
    text,
    // A repeated name: twice the same value, or different values.
    text.map((v) => [v, v]),
    fc.array(text, { minLength: 2, maxLength: 3 }),
  ),
  { maxKeys: 5 },
);

const pathArb = fc
  .tuple(
    fc.constantFrom('/voice', '/voice/input', '/voice/status', '/voice/rescue/choice'),
    fc.array(fc.tuple(fc.constantFrom('t', 'n', 'w', 'x'), text), { maxLength: 3 }),
  )
  .map(([path, query]) => (query.length === 0 ? path : `${path}?${new URLSearchParams(query).toString()}`));

type SignatureKind = 'exact' | 'other port form' | 'lower-case host' | 'other token' | 'other params' | 'wrong' | 'missing';
const signatureKind = fc.constantFrom<SignatureKind>(
  'exact',
  'other port form',
  'lower-case host',
  'other token',
  'other params',
  'wrong',
  'missing',
);

test('the line accepts and refuses exactly the webhooks twilio.validateRequest does, on the same URL and parameters', async () => {
  const answers = { accepted: 0, refused: 0 };
  await fc.assert(
    fc.asyncProperty(
      base,
      pathArb,
      paramsArb,
      signatureKind,
      fc.base64String({ minLength: 28, maxLength: 28 }),
      async (b, path, params, kind, noise) => {
        const publicBaseUrl = `${b.scheme}://${b.host}${b.port}`;
        const url = publicBaseUrl + path;
        // What Twilio would have signed: the URL it called, as the number's configuration writes it.
        const twilioUrl =
          kind === 'other port form'
            ? b.port === ''
              ? `${b.scheme}://${b.host}${b.defaultPort}${path}`
              : `${b.scheme}://${b.host}${path}`
            : kind === 'lower-case host'
              ? `${b.scheme}://${b.host.toLowerCase()}${b.port}${path}`
              : url;
        const signature = {
          exact: () => sign(twilioUrl, params),
          'other port form': () => sign(twilioUrl, params),
          'lower-case host': () => sign(twilioUrl, params),
          'other token': () => sign(url, params, 'another-token'),
          'other params': () => sign(url, { ...params, Extra: '1' }),
          wrong: () => noise,
          missing: () => undefined,
        }[kind]();
        const library = libraryAccepts(url, params, signature);
        expect(await accepted(publicBaseUrl, path, params, signature)).toBe(library);
        answers[library ? 'accepted' : 'refused']++;
      },
    ),
    { numRuns: 300 },
  );
  // Both answers were compared, many times over.
  expect(answers.accepted).toBeGreaterThan(50);
  expect(answers.refused).toBeGreaterThan(50);
});

describe('examples the property covers, written out', () => {
  const params = { CallSid: `CA${'1'.repeat(32)}`, Digits: '1' };

  test.each([
    ['the configured URL without the default port, signed with it', 'https://line.example.test', 'https://line.example.test:443'],
    ['the configured URL with the default port, signed without it', 'https://line.example.test:443', 'https://line.example.test'],
    ['a configured host in capitals, signed in lower case', 'https://Line.Example.TEST', 'https://line.example.test'],
  ])('accepts %s', async (_name, configured, signedAt) => {
    const signature = sign(`${signedAt}/voice/input?t=1`, params);
    expect(await accepted(configured, '/voice/input?t=1', params, signature)).toBe(true);
  });

  test('accepts a parameter repeated with the same value, as the twilio package signs it', async () => {
    const repeated = { ...params, Digits: ['1', '1'] };
    const signature = sign('https://line.example.test/voice', repeated);
    expect(await accepted('https://line.example.test', '/voice', repeated, signature)).toBe(true);
  });

  test('refuses a signature for another port, another path or another value', async () => {
    const at = (url: string, p: Params = params) => sign(url, p);
    expect(await accepted('https://line.example.test', '/voice', params, at('https://line.example.test:8443/voice'))).toBe(false);
    expect(await accepted('https://line.example.test', '/voice', params, at('https://line.example.test/voice/input'))).toBe(false);
    expect(
      await accepted('https://line.example.test', '/voice', params, at('https://line.example.test/voice', { ...params, Digits: '2' })),
    ).toBe(false);
  });
});
