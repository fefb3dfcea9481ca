import request from 'supertest';
import { freePort } from '../helpers/redis-server';
import { setCookies } from '../helpers/desk';
import { BASE_URL, startLine, type TestLine } from '../helpers/line';
import { OIDC_CLIENT, startOidcProvider } from '../helpers/oidc';

/**
 * The desk with an identity provider and no passwords, driven like a browser (supertest): the desk page is on, its
 * sign-in page offers only the provider, a callback that is not this browser's is a 400 page and a provider that
 * cannot be reached a 503 page, never a 500. (The whole flow, against a real provider: test/browser/desk-oidc.test.ts.)
 */

let line: TestLine;
let port: number;
beforeAll(async () => {
  // Nothing listens there yet: the provider cannot be reached.
  port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  line = await startLine('memory', {
    DESK_OIDC_ISSUER: issuer,
    DESK_OIDC_CLIENT_ID: OIDC_CLIENT.id,
    DESK_OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
    DESK_OIDC_ALLOWED_DOMAINS: 'example.org',
  });
});
afterAll(async () => {
  await line?.close();
});

test('the desk page is on, and its sign-in page offers the provider and no password form', async () => {
  expect((await request(line.app).get('/desk')).status).toBe(303);
  const page = await request(line.app).get('/desk/sign-in');
  expect(page.status).toBe(200);
  expect(page.text).toContain('href="/desk/oidc/start"');
  expect(page.text).not.toContain('type="password"');
  expect((await request(line.app).post('/desk/sign-in').type('form').send({ name: 'alice', password: 'x' })).status).toBe(404);
  expect((await request(line.app).get('/desk/api/transfers')).status).toBe(401);
});

test('a callback without a sign-in this browser began is a 400 page that says so; the code is not logged', async () => {
  for (const [query, cookie] of [
    ['code=the-code-1234&state=abc', undefined],
    ['code=the-code-1234&state=abc', 'desk_oidc=e30.forged'],
    ['state=abc', 'desk_oidc=%%%'],
    ['', undefined],
  ] as const) {
    const req = request(line.app).get(`/desk/oidc/callback${query === '' ? '' : `?${query}`}`);
    const res = await (cookie === undefined ? req : req.set('Cookie', cookie));
    expect(res.status).toBe(400);
    expect(res.text).toContain('This sign-in was not started from this page, or it took too long.');
  }
  expect(line.logs.join('\n')).not.toContain('the-code-1234');
});

test('a provider that cannot be reached is a 503 page, and the next sign-in goes to it once it is up', async () => {
  const res = await request(line.app).get('/desk/oidc/start');
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toBe('10');
  expect(res.text).toContain('sign-in is not answering. Please try again in a moment.');
  expect(line.logs.join('\n')).toContain('"desk":"sign-in-provider"');
  expect(line.logs.join('\n')).not.toContain(OIDC_CLIENT.secret);

  // The provider comes up: the next sign-in goes to it, with PKCE (S256), a state and a nonce, and the redirect URL
  // made from PUBLIC_BASE_URL; what it needs back is in a signed HttpOnly cookie.
  const provider = await startOidcProvider([BASE_URL], port);
  try {
    const started = await request(line.app).get('/desk/oidc/start');
    expect(started.status).toBe(303);
    const to = new URL(started.headers.location!);
    expect(`${to.origin}${to.pathname}`).toBe(`${provider.issuer}/auth`);
    expect(Object.fromEntries(to.searchParams)).toEqual({
      client_id: OIDC_CLIENT.id,
      response_type: 'code',
      redirect_uri: `${BASE_URL}/desk/oidc/callback`,
      scope: 'openid profile email',
      state: expect.stringMatching(/^[\w-]{43}$/),
      nonce: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge_method: 'S256',
    });
    const pending = setCookies(started.headers).get('desk_oidc')!;
    expect(pending.attributes).toEqual(expect.arrayContaining(['Path=/desk', 'HttpOnly', 'Secure', 'SameSite=Lax', 'Max-Age=600']));
    // The verifier is in it (signed, not sealed: the browser holds it), the challenge is not its own verifier.
    expect(pending.value).not.toContain(to.searchParams.get('code_challenge'));
  } finally {
    await provider.stop();
  }
});
