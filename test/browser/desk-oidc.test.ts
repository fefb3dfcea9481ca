import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { deskUsers, eventually } from '../helpers/desk';
import { testRedisUrl } from '../helpers/line';
import { OIDC_CLIENT, startOidcProvider, type OidcProviderProcess } from '../helpers/oidc';
import { startLineProcess, type LineProcess } from '../helpers/processes';
import { freePort } from '../helpers/redis-server';

/** Waits until `line` has logged a line matching `pattern` (its log is written in blocks, up to a quarter second late). */
const logged = (line: LineProcess, pattern: RegExp) => eventually(async () => (pattern.test(line.output()) ? true : undefined), 5000);

/**
 * Sign-in with the organisation's identity provider, end to end: Debian's chromium (playwright-core) against a real
 * OpenID Connect provider (the oidc-provider package, in a process of its own) and two line processes sharing one
 * private Redis. An allowed account signs in and is named from its claims; another is refused with a clear page; a
 * changed `state`, an expired ID token and a callback played again are refused; a sign-in is renewed with the
 * provider and ends once the provider has removed the account; sign-out offers the provider's own; a sign-in made on
 * one instance holds on the other. The second instance runs the compiled build (`npm start`'s dist/src/main.js), where
 * node's own require loads openid-client, an ES module.
 */
jest.setTimeout(90_000);
// beforeAll may build the line first.
const SETUP_MS = 180_000;
const CHROMIUM = '/usr/bin/chromium';
const RECHECK_SECONDS = 5;

let provider: OidcProviderProcess;
let a: LineProcess;
let b: LineProcess;
let baseA: string;
let baseB: string;
let browser: Browser;
/** The newest modification time of any file under `dir`. */
function newest(dir: string): number {
  return Math.max(...readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => statSync(join(e.parentPath, e.name)).mtimeMs));
}

beforeAll(async () => {
  // The build of this source, for the second instance.
  if (!existsSync('dist/src/main.js') || statSync('dist/src/main.js').mtimeMs < newest('src')) {
    const build = spawnSync('npm', ['run', 'build', '--silent'], { encoding: 'utf8', timeout: 120_000 });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
  }
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is needed for this test: apt-get install -y chromium (bash .ci/system-packages.sh does)`);
  const [portA, portB] = [await freePort(), await freePort()];
  baseA = `http://127.0.0.1:${portA}`;
  baseB = `http://127.0.0.1:${portB}`;
  provider = await startOidcProvider([baseA, baseB]);
  const shared = {
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: `oidc-${randomBytes(4).toString('hex')}`,
    // Passwords too: both ways in at once.
    DESK_USERS: await deskUsers(),
    DESK_OIDC_ISSUER: provider.issuer,
    DESK_OIDC_CLIENT_ID: OIDC_CLIENT.id,
    DESK_OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
    DESK_OIDC_SCOPES: 'openid profile email groups',
    DESK_OIDC_ALLOWED_GROUPS: 'desk-agents,desk-leads',
    // The ID tokens of late@example.org last 1 s and come 2.5 s late: with no allowance, expired.
    DESK_OIDC_CLOCK_SKEW_SECONDS: '0',
    DESK_OIDC_RECHECK_SECONDS: String(RECHECK_SECONDS),
  };
  [a, b] = await Promise.all([
    startLineProcess({ ...shared, PORT: String(portA), PUBLIC_BASE_URL: baseA }),
    startLineProcess({ ...shared, PORT: String(portB), PUBLIC_BASE_URL: baseB }, { command: [process.execPath, 'dist/src/main.js'] }),
  ]);
  browser = await chromium.launch({ executablePath: CHROMIUM });
}, SETUP_MS);
afterAll(async () => {
  await browser?.close();
  await a?.stop();
  await b?.stop();
  await provider?.stop();
});

/** A fresh browser: no cookie at the line nor at the provider. */
async function fresh(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  return { context, page, problems };
}

/** From the desk's sign-in page, through the provider's sign-in (and its consent the first time), as `account`. */
async function viaProvider(page: Page, base: string, account: string): Promise<void> {
  await page.goto(`${base}/desk`);
  await page.waitForURL(`${base}/desk/sign-in`);
  await page.getByRole('link', { name: "Sign in with your organisation's account" }).click();
  await page.waitForURL((url) => url.href.startsWith(provider.issuer));
  await page.locator('input[name=login]').fill(account);
  await page.locator('input[name=password]').fill('any password will do');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  const consent = page.getByRole('button', { name: 'Continue' });
  await page.waitForURL((url) => url.href.startsWith(base) || url.pathname.startsWith('/interaction/'));
  if (!page.url().startsWith(base)) {
    await consent.click();
  }
}

/**
 * Holds the browser's request to the line's callback (the end of the provider's redirects, which playwright's own
 * routing does not see) and sends it on to the URL `change` makes of it, through the DevTools protocol.
 */
async function onCallback(page: Page, base: string, change: (url: URL) => Promise<URL>): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Fetch.requestPaused', (paused: { requestId: string; request: { url: string } }) => {
    void change(new URL(paused.request.url)).then((url) =>
      cdp.send('Fetch.continueRequest', { requestId: paused.requestId, url: url.href }),
    );
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${base}/desk/oidc/callback*`, requestStage: 'Request' }] });
}

/** Where the desk's own URL is after the provider, and what its answer was. */
async function landed(page: Page, base: string): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(`${base}/desk`) && !url.pathname.startsWith('/desk/oidc/'), { timeout: 10_000 });
}

test('an account in an allowed group signs in and is named from its claims; nothing of the exchange is logged', async () => {
  const { context, page, problems } = await fresh();
  let callback: URL | undefined;
  page.on('request', (r) => {
    if (r.url().startsWith(`${baseA}/desk/oidc/callback`)) callback = new URL(r.url());
  });
  try {
    await viaProvider(page, baseA, 'alice@example.org');
    await landed(page, baseA);
    expect(page.url()).toBe(`${baseA}/desk`);
    await page.getByText('Signed in as').waitFor();
    expect(await page.locator('form.sign-out strong').textContent()).toBe('Alice Agent <alice@example.org>');
    const cookies = await context.cookies(`${baseA}/desk`);
    const session = cookies.find((c) => c.name === 'desk_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');
    // The pending sign-in's cookie is gone once used.
    expect(cookies.find((c) => c.name === 'desk_oidc')).toBeUndefined();
    // The code and state went through the line, and neither is in its log; its sign-in is.
    const code = callback!.searchParams.get('code')!;
    const state = callback!.searchParams.get('state')!;
    expect(code.length).toBeGreaterThan(10);
    await logged(a, /"via":"oidc"/);
    expect(a.output()).not.toContain(code);
    expect(a.output()).not.toContain(state);
    expect(a.output()).not.toContain(session.value);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
});

test('an account outside the allowed groups is refused with a page that says so, and is not signed in', async () => {
  const { context, page } = await fresh();
  try {
    const answer = page.waitForResponse((r) => r.url().startsWith(`${baseA}/desk/oidc/callback`));
    await viaProvider(page, baseA, 'mallory@elsewhere.test');
    expect((await answer).status()).toBe(403);
    await page.getByRole('alert').getByText('The account mallory@elsewhere.test may not use the desk page').waitFor();
    expect((await context.cookies(`${baseA}/desk`)).find((c) => c.name === 'desk_session')).toBeUndefined();
    await page.goto(`${baseA}/desk`);
    await page.waitForURL(`${baseA}/desk/sign-in`);
  } finally {
    await context.close();
  }
});

test('a changed state is refused with a clear page, and so is a callback played again after it was used', async () => {
  const { context, page } = await fresh();
  let used: string | undefined;
  try {
    // The first time the provider sends the browser back, its state is changed on the way.
    let tampered = false;
    await onCallback(page, baseA, async (url) => {
      if (!tampered) {
        tampered = true;
        url.searchParams.set('state', `${url.searchParams.get('state')}x`);
        return url;
      }
      used = url.href;
      return url;
    });
    const answer = page.waitForResponse((r) => r.url().startsWith(`${baseA}/desk/oidc/callback`));
    await viaProvider(page, baseA, 'alice@example.org');
    expect((await answer).status()).toBe(400);
    await page.getByRole('alert').getByText('This sign-in was not started from this page, or it took too long').waitFor();
    expect((await context.cookies(`${baseA}/desk`)).find((c) => c.name === 'desk_session')).toBeUndefined();
    await logged(a, /"reason":"state"/);

    // Again, untouched: signed in (the provider remembers the account: no form this time).
    await page.getByRole('link', { name: "Sign in with your organisation's account" }).click();
    await landed(page, baseA);
    await page.getByText('Signed in as').waitFor();
    // The same callback once more, in another browser: it has no pending sign-in, so it is refused.
    const other = await fresh();
    try {
      const again = await other.page.goto(used!);
      expect(again!.status()).toBe(400);
    } finally {
      await other.context.close();
    }
  } finally {
    await context.close();
  }
});

test('an ID token that has expired by the time it is checked is refused', async () => {
  const { context, page } = await fresh();
  try {
    // The provider makes its ID tokens last 1 s, and answers 2.5 s late: expired when the line checks it.
    const answer = page.waitForResponse((r) => r.url().startsWith(`${baseA}/desk/oidc/callback`));
    await viaProvider(page, baseA, 'late@example.org');
    expect((await answer).status()).toBe(401);
    await page.getByRole('alert').getByText("Your organisation's sign-in did not confirm who you are").waitFor();
    // Refused for its expiry, as the library checked it.
    // The line's log is written in blocks (pino's destination): wait for the line to be out.
    await logged(a, /"reason":"OAUTH_JWT_TIMESTAMP_CHECK_FAILED: [^"]* \(exp\)"[^\n]*refused by the identity provider/);
    expect((await context.cookies(`${baseA}/desk`)).find((c) => c.name === 'desk_session')).toBeUndefined();
  } finally {
    await context.close();
  }
});

test('a sign-in is renewed with the provider, and ends once the provider has removed the account', async () => {
  const { context, page, problems } = await fresh();
  try {
    await viaProvider(page, baseA, 'carol@example.org');
    await landed(page, baseA);
    await page.getByText('Signed in as').waitFor();
    // Past its re-check: renewed (a refresh at the provider), still signed in.
    await new Promise((r) => setTimeout(r, (RECHECK_SECONDS + 1) * 1000));
    await page.reload();
    expect(page.url()).toBe(`${baseA}/desk`);
    expect(await page.locator('form.sign-out strong').textContent()).toBe('Carol Leaver <carol@example.org>');
    // The organisation removes the account: at the next re-check the sign-in ends, on every instance.
    await provider.disable('carol@example.org');
    await new Promise((r) => setTimeout(r, (RECHECK_SECONDS + 1) * 1000));
    await page.goto(`${baseB}/desk`);
    await page.waitForURL(`${baseB}/desk/sign-in`);
    await page.goto(`${baseA}/desk`);
    await page.waitForURL(`${baseA}/desk/sign-in`);
    await eventually(async () => ((a.output() + b.output()).includes('"desk":"sign-in-ended"') ? true : undefined), 5000);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
});

test('a sign-in the provider gave no refresh token for ends at its first re-check, and the log says why', async () => {
  const { context, page } = await fresh();
  try {
    await viaProvider(page, baseA, 'brief@example.org');
    await landed(page, baseA);
    expect(await page.locator('form.sign-out strong').textContent()).toBe('Brief Agent <brief@example.org>');
    await logged(a, /"desk":"sign-in-no-refresh"/);
    await new Promise((r) => setTimeout(r, (RECHECK_SECONDS + 1) * 1000));
    await page.reload();
    await page.waitForURL(`${baseA}/desk/sign-in`);
  } finally {
    await context.close();
  }
});

test('a sign-in made on one instance holds on the other; sign-out ends it on both and offers the provider sign-out', async () => {
  const { context, page, problems } = await fresh();
  try {
    await viaProvider(page, baseA, 'alice@example.org');
    await landed(page, baseA);
    const session = (await context.cookies(`${baseA}/desk`)).find((c) => c.name === 'desk_session')!.value;
    // The other instance (the same host, another port: the browser sends it the same cookie) knows the sign-in.
    await page.goto(`${baseB}/desk`);
    expect(page.url()).toBe(`${baseB}/desk`);
    expect(await page.locator('form.sign-out strong').textContent()).toBe('Alice Agent <alice@example.org>');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${baseB}/desk/sign-in?signed-out=provider`);
    await page.getByText('You are signed out of the desk.').waitFor();
    const link = page.locator('#provider-sign-out');
    const endSession = new URL((await link.getAttribute('href'))!);
    expect(`${endSession.origin}${endSession.pathname}`).toBe(`${provider.issuer}/session/end`);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${baseB}/desk/sign-in`);
    expect(endSession.searchParams.get('client_id')).toBe(OIDC_CLIENT.id);
    // The sign-in is gone on both instances, whoever still holds its cookie.
    for (const base of [baseA, baseB]) {
      const res = await fetch(`${base}/desk/api/transfers`, { headers: { Cookie: `desk_session=${session}` } });
      expect(res.status).toBe(401);
    }
    // The provider's own sign-out, and back to the desk's sign-in page.
    await link.click();
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${baseB}/desk/sign-in`);
    // Signed out at the provider too: signing in again asks for the account.
    await page.getByRole('link', { name: "Sign in with your organisation's account" }).click();
    await page.locator('input[name=login]').waitFor();
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
});
