import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DESK_PASSWORD, deskUsers } from '../helpers/desk';
import { testRedisUrl } from '../helpers/line';
import { postWebhook, startLineProcess, type LineProcess } from '../helpers/processes';
import { freePort } from '../helpers/redis-server';

/**
 * The desk's announcement end to end: an agent turns it on in Debian's chromium on one instance of the line, a call
 * to another instance on the same Redis hears it within a second; turned off, the next call does not.
 * UPDATE_DESK_SCREENSHOT=1 writes docs/desk-announcement.png.
 */
jest.setTimeout(60_000);
const CHROMIUM = '/usr/bin/chromium';
const WORDS = 'We know that the Customer Portal has not let anyone log in since 9 a.m. We are working on it.';

let one: LineProcess;
let two: LineProcess;
let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is needed for this test: apt-get install -y chromium (bash .ci/system-packages.sh does)`);
  const shared = {
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: `browser-${randomBytes(4).toString('hex')}`,
    DESK_USERS: await deskUsers(),
    DESK_TIME_ZONE: 'America/Toronto',
  };
  const start = async () => {
    const port = await freePort();
    return startLineProcess({ ...shared, PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` });
  };
  [one, two] = await Promise.all([start(), start()]);
  browser = await chromium.launch({ executablePath: CHROMIUM });
});
afterAll(async () => {
  await browser?.close();
  await one?.stop();
  await two?.stop();
});

let calls = 0;
/** What a new call to `line` hears first: the TwiML of its incoming-call webhook, signed as Twilio signs it. */
async function firstTwiml(line: LineProcess): Promise<string> {
  const base = `http://127.0.0.1:${line.port}`;
  const body = {
    CallSid: `CA${Date.now().toString(16).padStart(16, '0')}${(calls++).toString(16).padStart(16, '0')}`,
    From: '+15555550123',
  };
  const res = await postWebhook(line, base, '/voice', body);
  return res.text();
}

/** Milliseconds from now until a new call to `line` hears (or no longer hears) the words; fails after two seconds. */
async function untilCalls(line: LineProcess, hear: boolean): Promise<number> {
  const started = Date.now();
  for (;;) {
    if ((await firstTwiml(line)).includes(WORDS) === hear) return Date.now() - started;
    if (Date.now() - started > 2000) throw new Error(`calls to the other instance still ${hear ? 'do not hear' : 'hear'} it`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function signIn(page: Page, base: string, name = 'alice'): Promise<void> {
  await page.goto(`${base}/desk`);
  await page.waitForURL(`${base}/desk/sign-in`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(DESK_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/desk`);
}

test('turned on in the page of one instance, heard by a call to another within a second; turned off, not heard', async () => {
  const base = `http://127.0.0.1:${one.port}`;
  const context = await browser.newContext({ viewport: { width: 1280, height: 1100 } });
  const page = await context.newPage();
  // Another agent's page, open on the other instance.
  const colleague = await browser.newContext();
  const theirs = await colleague.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  theirs.on('pageerror', (e) => problems.push(e.message));
  try {
    await signIn(theirs, `http://127.0.0.1:${two.port}`, 'bob');
    await theirs.getByText('Live: new transfers appear here as they happen.').waitFor();
    await signIn(page, base);
    expect(await page.locator('#announcement-state').textContent()).toContain('Off');
    expect(await firstTwiml(two)).not.toContain(WORDS);

    // Own words, previewed: the words and their listening time, then a confirmation.
    await page.getByText('Turn an announcement on').click();
    await page.locator('#wording-own').check();
    await page.locator('#announcement-text').fill(WORDS);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.waitForURL(`${base}/desk/announcement`);
    expect(await page.locator('#preview-words').textContent()).toBe(WORDS);
    expect(await page.locator('#preview-seconds').textContent()).toMatch(/^About \d+\.\d seconds of listening \(at most 15\)\.$/);
    const previewShot =
      process.env.UPDATE_DESK_SCREENSHOT === '1' ? 'docs/desk-announcement-preview.png' : join(tmpdir(), `preview-${process.pid}.png`);
    await page.screenshot({ path: previewShot, fullPage: true, animations: 'disabled' });
    // Nothing is said before the confirmation.
    expect(await firstTwiml(two)).not.toContain(WORDS);

    await page.getByRole('button', { name: 'Yes, turn it on' }).click();
    await page.waitForURL(`${base}/desk#announcement`);
    expect(await untilCalls(two, true)).toBeLessThan(1000);
    // The other agent's page says so without a reload.
    await theirs.locator('#announcement-changed', { hasText: 'alice turned the announcement to callers on.' }).waitFor({ timeout: 2000 });
    expect(await page.locator('#announcement-words').textContent()).toBe(WORDS);
    expect(await page.locator('#announcement-state').textContent()).toMatch(/On\s*, turned on at \d\d:\d\d by\s+alice/);
    expect(await page.locator('#announcement-log').textContent()).toMatch(/alice\s+turned it\s+on/);

    const shot =
      process.env.UPDATE_DESK_SCREENSHOT === '1' ? 'docs/desk-announcement.png' : join(tmpdir(), `announcement-${process.pid}.png`);
    await page.locator('#announcement').screenshot({ path: shot, animations: 'disabled' });

    await page.getByRole('button', { name: 'Turn off' }).click();
    await page.waitForURL(`${base}/desk#announcement`);
    expect(await untilCalls(two, false)).toBeLessThan(1000);
    expect(await page.locator('#announcement-state').textContent()).toContain('Off');
    expect(await page.locator('#announcement-log').textContent()).toMatch(/alice\s+turned it off/);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
    await colleague.close();
  }
});
