import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { getExpectedTwilioSignature } from 'twilio';
import { forReading } from '../../src/desk/views/cards';
import { referenceFor } from '../../src/engine/step';
import { DESK_PASSWORD, deskUsers } from '../helpers/desk';
import { portalLogin } from '../helpers/flows';
import { AUTH_TOKEN } from '../helpers/line';
import { startLineProcess, type LineProcess } from '../helpers/processes';
import { launchChromium, startDeskLine } from '../helpers/browser';
import { freePort, startRedis, type RedisProcess } from '../helpers/redis-server';

/**
 * The desk page end to end, in Debian's chromium driven by playwright-core (nothing is downloaded): an agent signs in
 * with the keyboard, a transfer made by signed webhooks appears without a reload and is announced, the search finds
 * it by its reference, and after signing out the data is gone; while Redis is away the page says it is not live.
 * UPDATE_DESK_SCREENSHOT=1 writes docs/desk.png; DESK_NOT_LIVE_SCREENSHOT=<file> a picture of the page not live.
 */
jest.setTimeout(60_000);

let line: LineProcess;
let base: string;
let browser: Browser;
beforeAll(async () => {
  ({ line, base } = await startDeskLine({
    DESK_TIME_ZONE: 'America/Toronto',
    // Texts offered, sent to a port where nothing listens: they stay queued, tried again later.
    TWILIO_ACCOUNT_SID: `AC${'5'.repeat(32)}`,
    TWILIO_MESSAGING_FROM: '+15555550100',
    TWILIO_API_URL: 'http://127.0.0.1:9',
  }));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await line?.stop();
});

let calls = 0;
/** A call placed with signed webhooks, as Twilio sends them; returns its CallSid and the turn it stopped at. */
async function call(keys: string[], from: string): Promise<{ sid: string; t: number }> {
  const sid = `CA${Date.now().toString(16).padStart(16, '0')}${(calls++).toString(16).padStart(16, '0')}`;
  const post = async (path: string, params: Record<string, string>) => {
    const body = { CallSid: sid, From: from, To: '+15555550100', ...params };
    const res = await fetch(base + path, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Twilio-Signature': getExpectedTwilioSignature(AUTH_TOKEN, base + path, body),
      },
      body: new URLSearchParams(body).toString(),
    });
    if (res.status >= 300) throw new Error(`${path}: ${res.status}`);
  };
  await post('/voice', {});
  let t = 1;
  for (const key of keys) {
    if (key === 'hangup') await post('/voice/status', { CallStatus: 'completed', CallDuration: '40' });
    else if (['busy', 'completed', 'no-answer'].includes(key)) await post(`/voice/dial?t=${t++}`, { DialCallStatus: key });
    else await post(`/voice/input?t=${t++}`, { Digits: key });
  }
  return { sid, t };
}

const spaced = (reference: string) => `${reference.slice(0, 3)} ${reference.slice(3)}`;

async function signIn(page: Page): Promise<void> {
  await page.goto(`${base}/desk`);
  // Sent to the form; the name field has the focus: the keyboard alone signs in.
  await page.waitForURL(`${base}/desk/sign-in`);
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Business Support Desk');
  await page.keyboard.type('alice');
  await page.keyboard.press('Tab');
  await page.keyboard.type(DESK_PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/desk`);
}

test('sign in, see a transfer arrive without reloading, find it by its reference, sign out and the data is gone', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const elsewhere: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(base)) elsewhere.push(r.url());
  });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  try {
    await signIn(page);
    expect(await page.getByRole('heading', { level: 2 }).allTextContents()).toEqual([
      expect.stringMatching(/^Live transfers/),
      'Announcement to callers',
      expect.stringMatching(/^Callbacks/),
      'Find a call',
      "Today's outcomes",
    ]);
    await page.getByText('Live: new transfers appear here as they happen.').waitFor();
    // Marks this page: a reload would lose the mark.
    await page.evaluate('window.sameDocument = true');

    // Some of the day, for the picture.
    await call(['2', '1', 'hangup'], '+15555550101');
    await call(['1', 'hangup'], '+15555550102');
    const earlier = await call(['1', '1'], '+16135550103');
    await call(['0'], '+14165550104');

    const started = Date.now();
    const { sid, t } = await call(['3', '2', '1'], '+15555550123');
    const reference = referenceFor(sid);
    const card = page.locator(`#call-${sid}`);
    await card.waitFor({ timeout: 2000 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    expect(await card.getByRole('heading', { level: 3 }).textContent()).toContain(`Reference ${spaced(reference)}`);
    expect(await card.getByRole('link', { name: '(555) 555-0123' }).getAttribute('href')).toBe('tel:+15555550123');
    expect(await card.textContent()).toContain(
      `${forReading((portalLogin().flow.nodes['mfa-changed-device'] as { note: string }).note)}: yes`,
    );
    // The path the call took, each node with the key that left it, in the flow's words.
    expect((await card.locator('ol.path > li').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim())).toEqual([
      'main menu (3: multi-factor authentication)',
      'mfa uninstalled app (2: no)',
      'mfa changed device (1: yes)',
      'mfa reset new device',
    ]);
    // The newest is first, and a screen reader hears of it.
    expect(await page.locator('#transfer-list > li').first().getAttribute('id')).toBe(`call-${sid}`);
    const announced = `New transfer: reference ${spaced(reference)}, mfa reset new device.`;
    await page.locator('#announcer', { hasText: announced }).waitFor({ state: 'attached', timeout: 2000 });
    expect(await page.locator('#announcer').getAttribute('aria-live')).toBe('polite');

    // The desk's dial ends: the card says so, still without a reload.
    await call([], '+15555550123'); // another call in between changes nothing on this card
    const dial = await fetch(`${base}/voice/dial?t=${t}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Twilio-Signature': getExpectedTwilioSignature(AUTH_TOKEN, `${base}/voice/dial?t=${t}`, {
          CallSid: sid,
          DialCallStatus: 'busy',
        }),
      },
      body: new URLSearchParams({ CallSid: sid, DialCallStatus: 'busy' }).toString(),
    });
    expect(dial.status).toBe(200);
    await card.getByText('The desk was busy').waitFor({ timeout: 2000 });
    await page.locator(`#call-${earlier.sid}`).waitFor();
    await page.locator('#outcome-chart svg[role="img"]').waitFor();
    await page.locator('#chart-desc', { hasText: 'Solved by self-service: 1.' }).waitFor({ state: 'attached' });

    const shot = process.env.UPDATE_DESK_SCREENSHOT === '1' ? 'docs/desk.png' : join(tmpdir(), `desk-${process.pid}.png`);
    await page.screenshot({ path: shot, fullPage: true, animations: 'disabled' });

    // Search with the keyboard: the reference as the caller reads it, spaces and all.
    await page.getByLabel('Reference number the caller reads out').focus();
    await page.keyboard.type(spaced(reference));
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/desk?reference=${reference}#find`);
    const found = page
      .getByRole('article')
      .filter({ has: page.getByRole('heading', { name: `Reference ${spaced(reference)}`, level: 3 }) });
    expect(await found.last().textContent()).toContain('In progress, now at: the desk did not answer');
    expect(await page.locator('.results').textContent()).toContain('(555) 555-0123');

    // Sign out: the page is gone, and going back does not bring it back.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/desk/sign-in?signed-out=1`);
    expect(await page.getByRole('status').first().textContent()).toBe('You are signed out.');
    expect(await page.content()).not.toContain(spaced(reference));
    await page.goBack();
    await page.waitForLoadState();
    expect(page.url()).toMatch(/\/desk\/sign-in/);
    expect(await page.content()).not.toContain(spaced(reference));
    const after = await page.evaluate(async () => (await fetch('/desk/api/transfers')).status);
    expect(after).toBe(401);

    expect(elsewhere).toEqual([]);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
});

test('a page left open when its sign-in ends elsewhere goes to the sign-in form by itself', async () => {
  const context = await browser.newContext();
  const [first, second] = [await context.newPage(), await context.newPage()];
  try {
    await signIn(first);
    await first.getByText('Live: new transfers appear here as they happen.').waitFor();
    // The same sign-in, in another tab, signs out.
    await second.goto(`${base}/desk`);
    await second.getByRole('button', { name: 'Sign out' }).click();
    await first.waitForURL(/\/desk\/sign-in/, { timeout: 5000 });
    expect(await first.locator('#transfer-list').count()).toBe(0);
  } finally {
    await context.close();
  }
});

test('a callback asked at a busy desk appears without reloading; the agent claims it and marks it done', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  try {
    await signIn(page);
    await page.getByText('Live: new transfers appear here as they happen.').waitFor();
    await page.evaluate('window.sameDocument = true');
    const callbacks = page.locator('#callback-list');
    const { sid } = await call(['0', 'busy', '3', '1'], '+16135550142');
    const card = callbacks.locator(`#callback-${sid}`);
    await card.waitFor({ timeout: 2000 });
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    expect(await card.textContent()).toContain('(613) 555-0142');
    expect(await card.textContent()).toContain(spaced(referenceFor(sid)));
    // The call's transfer card says so too, without a reload.
    await page.locator(`#call-${sid} #follow-ups-${sid}`).getByText('Callback booked').waitFor({ timeout: 2000 });
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    // Another page of the desk, open meanwhile, is told of each change to that callback alone.
    const other = await context.newPage();
    other.on('pageerror', (e) => problems.push(e.message));
    await other.goto(`${base}/desk`);
    await other.getByText('Live: new transfers appear here as they happen.').waitFor();
    await other.evaluate('window.sameDocument = true');
    const otherCard = other.locator(`#callback-list #callback-${sid}`);
    await otherCard.waitFor();
    // The form the live list brought carries this page's token: the claim goes through.
    await card.getByRole('button', { name: 'Claim' }).click();
    await page.waitForURL(`${base}/desk#callbacks`);
    await callbacks.locator(`#callback-${sid}`).getByText('Claimed by').waitFor();
    await otherCard.getByText('Claimed by').waitFor({ timeout: 2000 });
    await callbacks.locator(`#callback-${sid}`).getByRole('button', { name: 'Done' }).click();
    await page.waitForURL(`${base}/desk#callbacks`);
    await callbacks.getByText('No callbacks are waiting.').waitFor();
    await other.locator('#callback-list').getByText('No callbacks are waiting.').waitFor({ timeout: 2000 });
    expect(await otherCard.count()).toBe(0);
    expect(await other.evaluate('window.sameDocument')).toBe(true);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
});

test('while its instance cannot reach Redis the page says its updates are paused, and "Live" again once it can', async () => {
  const redis = await startRedis();
  const port = await freePort();
  const own = `http://127.0.0.1:${port}`;
  const instance = await startLineProcess({
    PORT: String(port),
    PUBLIC_BASE_URL: own,
    REDIS_URL: redis.url,
    DESK_USERS: await deskUsers(),
    DESK_TIME_ZONE: 'America/Toronto',
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  let back: RedisProcess | undefined;
  try {
    await page.goto(`${own}/desk`);
    await page.waitForURL(`${own}/desk/sign-in`);
    await page.getByLabel('Name').fill('alice');
    await page.getByLabel('Password').fill(DESK_PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${own}/desk`);
    const status = page.locator('#live-status');
    await status.getByText('Live: new transfers appear here as they happen.').waitFor();
    await page.evaluate('window.sameDocument = true');

    await redis.stop();
    await status.getByText('Reconnecting — updates paused.').waitFor({ timeout: 5000 });
    expect(await status.getAttribute('class')).toContain('offline');
    if (process.env.DESK_NOT_LIVE_SCREENSHOT !== undefined) await page.screenshot({ path: process.env.DESK_NOT_LIVE_SCREENSHOT });

    back = await startRedis([], redis.port);
    await status.getByText('Live: new transfers appear here as they happen.').waitFor({ timeout: 10_000 });
    expect(await status.getAttribute('class')).not.toContain('offline');
    // The same page all along: the stream told it, no reload.
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
    await instance.stop();
    await redis.stop();
    await back?.stop();
  }
});

test('a text asked for before the transfer shows on its card as it arrives, and stays there through a redial', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  try {
    await signIn(page);
    await page.getByText('Live: new transfers appear here as they happen.').waitFor();
    await page.evaluate('window.sameDocument = true');
    // Password steps, 8 for them by text, then the desk.
    const { sid } = await call(['2', '8', '0'], '+16135550177');
    const followUps = page.locator(`#call-${sid} #follow-ups-${sid}`);
    await followUps.getByText('Text (the steps for password').waitFor({ timeout: 2000 });
    expect(await followUps.textContent()).toContain('queued to send');
    // The desk busy, the caller tries again: the card comes again, its follow-up with it.
    await call(['2', '8', '0'], '+16135550178');
    const again = await call(['2', '8', '0', 'busy', '1'], '+16135550179');
    await page.locator(`#call-${again.sid} .attempt`).waitFor({ timeout: 2000 });
    expect(await page.locator(`#call-${again.sid} #follow-ups-${again.sid}`).textContent()).toContain('Text (the steps for password');
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
});
