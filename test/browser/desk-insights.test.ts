import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { dayOf } from '../../src/desk/time';
import { fetchTransport, parseSteps, placeCall, scripted, type CallResult } from '../../src/simulator/caller';
import { nodeOrder } from '../../src/insights/insights-report';
import { DESK_PASSWORD } from '../helpers/desk';
import { portalLogin } from '../helpers/flows';
import { AUTH_TOKEN } from '../helpers/line';
import { type LineProcess } from '../helpers/processes';
import { launchChromium, startDeskLine } from '../helpers/browser';

/**
 * The flow insights page end to end, in Debian's chromium driven by playwright-core: calls placed by the simulator
 * on signed webhooks (keys and speech, each ended by its status callback) to a line process on Redis, then the
 * figures read from the page's DOM equal the calls made, for today and side by side with the day before.
 * UPDATE_DESK_SCREENSHOT=1 writes docs/desk-insights.png after a few dozen calls across the flow.
 */
jest.setTimeout(120_000);
const ZONE = 'America/Toronto';

let line: LineProcess;
let base: string;
let browser: Browser;
beforeAll(async () => {
  ({ line, base } = await startDeskLine({ DESK_TIME_ZONE: ZONE }));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await line?.stop();
});

/** A call as Twilio makes it: "2,1" presses 2 then 1, "say:password" says it; the status callback ends it. */
async function call(steps: string): Promise<CallResult> {
  const result = await placeCall({ baseUrl: base, authToken: AUTH_TOKEN, transport: fetchTransport(), next: scripted(parseSteps(steps)) });
  expect(result.errors).toEqual([]);
  return result;
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${base}/desk`);
  await page.waitForURL(`${base}/desk/sign-in`);
  await page.getByLabel('Name').fill('alice');
  await page.getByLabel('Password').fill(DESK_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/desk`);
}

/** A figure of a node's table, read from the page: `measure` its row, `field` its column. */
async function figure(page: Page, node: string, measure: string, field = 'calls'): Promise<string> {
  return (await page.locator(`#node-${node} tr[data-measure="${measure}"] td[data-field="${field}"]`).textContent())!.trim();
}

test("after a set of calls, today's figures on the page equal the calls made, by key and by voice; and side by side with the day before", async () => {
  const today = dayOf(new Date(), ZONE);
  // 7 calls reach the main menu: 3 press 2 (password), 2 say "password"; of those 4 say or press it solved and one
  // hangs up at the password steps; one presses 0 for the desk (who answers); one hangs up at once.
  const calls = await Promise.all([
    call('2,1'),
    call('2,1'),
    call('2,hangup'),
    call('say:password,say:solved'),
    call('say:password,1'),
    call('0'),
    call('hangup'),
  ]);
  // The spoken answers were taken as said, not asked again ("Did you say password?").
  expect(calls[3]!.transcript.map((l) => l.text).join('\n')).not.toContain('Did you say');
  expect(dayOf(new Date(), ZONE)).toBe(today); // the calls did not straddle the desk's midnight

  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // Every answer the page asks for is there (its style sheet, its script), but the 400 asked for on purpose below.
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico') && !r.url().includes('period=fortnight'))
      problems.push(`${r.status()} ${r.url()}`);
  });
  try {
    await signIn(page);
    // From the desk's header to the insights, today.
    await page.getByRole('link', { name: 'Flow insights' }).click();
    await page.waitForURL(`${base}/desk/insights`);
    await page.getByRole('link', { name: 'Today', exact: true }).click();
    await page.waitForURL(`${base}/desk/insights?period=today`);
    expect(await page.getByRole('link', { name: 'Today', exact: true }).getAttribute('aria-current')).toBe('page');

    expect(await page.locator('#summary tr[data-measure="calls"] td[data-field="calls"]').textContent()).toBe('7');
    expect(await page.locator('#summary tr[data-measure="solved"] td[data-field="calls"]').textContent()).toBe('4');
    expect(await page.locator('#summary tr[data-measure="desk"] td[data-field="calls"]').textContent()).toBe('1');
    expect(await page.locator('#summary tr[data-measure="hungUp"] td[data-field="calls"]').textContent()).toBe('2');

    expect(await figure(page, 'main-menu', 'reached')).toBe('7');
    expect(await figure(page, 'main-menu', 'choice-2', 'byKey')).toBe('3');
    expect(await figure(page, 'main-menu', 'choice-2', 'byVoice')).toBe('2');
    expect(await figure(page, 'main-menu', 'choice-2')).toBe('5');
    expect(await figure(page, 'main-menu', 'choice-2', 'share')).toBe('71%');
    expect(await figure(page, 'main-menu', 'choice-1')).toBe('0');
    expect(await figure(page, 'main-menu', 'deskAsked', 'byKey')).toBe('1');
    expect(await figure(page, 'main-menu', 'deskAsked', 'byVoice')).toBe('0');
    expect(await figure(page, 'main-menu', 'toDesk')).toBe('1');
    expect(await figure(page, 'main-menu', 'hungUp')).toBe('1');
    expect(await figure(page, 'password', 'reached')).toBe('5');
    expect(await figure(page, 'password', 'choice-1', 'byKey')).toBe('3');
    expect(await figure(page, 'password', 'choice-1', 'byVoice')).toBe('1');
    expect(await figure(page, 'password', 'solved')).toBe('4');
    expect(await figure(page, 'password', 'hungUp')).toBe('1');
    expect(await figure(page, 'goodbye', 'reached')).toBe('4');
    expect(await figure(page, 'username', 'reached')).toBe('0');
    // The line's own step: the transfer asked for with 0.
    expect(await figure(page, '_bsd_request', 'reached')).toBe('1');

    // The drawing says the same: boxes with their calls, arrows with the times taken, colours by who left.
    const drawing = page.locator('svg.flow-drawing');
    expect(await drawing.getAttribute('role')).toBe('img');
    expect(await drawing.locator('[data-node="main-menu"] .node-reached').textContent()).toBe('reached 7 · left 29%');
    expect(await drawing.locator('[data-node="password"] .node-reached').textContent()).toBe('reached 5 · left 20%');
    expect(await drawing.locator('[data-node="main-menu"]').getAttribute('class')).toBe('node tone-some-lost');
    expect(await drawing.locator('[data-node="password"]').getAttribute('class')).toBe('node tone-kept');
    expect(await drawing.locator('[data-node="username"]').getAttribute('class')).toBe('node tone-none');
    expect(await drawing.locator('[data-from="main-menu"][data-key="2"] .arrow-label').textContent()).toBe('2 password · 5');

    // Containment by day: today's row of the table.
    const row = page.locator(`#days-days tr[data-day="${today}"]`);
    expect(await row.locator('[data-field="calls"]').textContent()).toBe('7');
    expect(await row.locator('[data-field="solved"]').textContent()).toBe('4');
    expect(await row.locator('[data-field="desk"]').textContent()).toBe('1');
    expect(await row.locator('[data-field="hungUp"]').textContent()).toBe('2');
    expect(await row.locator('[data-field="versions"] code').count()).toBe(1);

    // Compared with the day before: both periods side by side, and two charts.
    await page.getByRole('link', { name: 'Compare with the period before' }).click();
    await page.waitForURL(`${base}/desk/insights?period=today&compare=previous`);
    expect(await page.locator('#summary thead').textContent()).toContain('The day before');
    expect(await page.locator('#summary tr[data-measure="calls"] td[data-field="calls"]').textContent()).toBe('7');
    expect(await page.locator('#summary tr[data-measure="calls"] td[data-field="vsCalls"]').textContent()).toBe('0');
    expect((await page.locator('#summary tr[data-measure="calls"] td[data-field="change"]').textContent())!.trim()).toBe('+7');
    expect(await figure(page, 'main-menu', 'choice-2', 'vsCalls')).toBe('0');
    expect(await figure(page, 'main-menu', 'choice-2')).toBe('5');
    expect(await drawing.locator('[data-node="main-menu"] .node-reached').textContent()).toBe('reached 7 · left 29%');
    expect(await drawing.locator('[data-node="main-menu"] .node-figures').textContent()).toBe('before: reached 0');
    expect(await page.locator('svg.containment').count()).toBe(2);
    expect(await page.locator('#vs-days-days tbody tr').count()).toBe(1);

    // Any days, from the form: the same day as from and to.
    await page.getByLabel('From', { exact: true }).fill(today);
    await page.getByLabel('To', { exact: true }).fill(today);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/from=/);
    expect(await figure(page, 'main-menu', 'reached')).toBe('7');

    // A query that cannot be shown: a 400 page that says why.
    const bad = await page.goto(`${base}/desk/insights?period=fortnight`);
    expect(bad?.status()).toBe(400);
    expect(await page.getByRole('alert').textContent()).toBe('These insights cannot be shown: period: must be today, 7d or 30d.');

    // And back to the desk.
    await page.getByRole('link', { name: 'Live transfers' }).click();
    await page.waitForURL(`${base}/desk`);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
});

test('signed out, the page sends the browser to the sign-in form', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${base}/desk/insights?period=7d`);
    expect(page.url()).toBe(`${base}/desk/sign-in`);
  } finally {
    await context.close();
  }
});

test('a day of calls across the flow, by key and by voice, drawn; a picture of the page', async () => {
  const scripts = [
    ...Array<string>(6).fill('2,1'),
    ...Array<string>(3).fill('say:password,say:it worked'),
    '2,2,1',
    '2,hangup',
    '2,_,hangup',
    '1,1',
    '1,2,1',
    '1,2,hangup',
    '1,3',
    'say:username,say:yes',
    '3,1,1',
    '3,1,hangup',
    '3,2,1',
    '3,2,2,1,1',
    '3,2,2,1,3',
    '3,2,2,2',
    'say:authenticator,say:no,say:yes',
    '4,1',
    '4,1',
    '4,3,1',
    '4,3,3,1',
    '4,3,3,3',
    'say:black screen,say:that worked',
    '7,hangup',
    '7,8,2,1',
    'say:what is the weather,2,1',
    '0',
    'say:agent',
    'hangup',
    '_,hangup',
    '2,9,4,1',
  ];
  for (let i = 0; i < scripts.length; i += 8) await Promise.all(scripts.slice(i, i + 8).map((s) => call(s)));

  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  try {
    await signIn(page);
    await page.goto(`${base}/desk/insights?period=7d`);
    await page.locator('svg.flow-drawing').waitFor();
    // Every node of the flow file is drawn and has its table.
    expect(await page.locator('svg.flow-drawing g.node').count()).toBe(nodeOrder(portalLogin().flow).length);
    expect(await page.locator('#nodes section.node-card[data-node="black-screen-ticket"]').count()).toBe(1);
    expect(Number(await figure(page, 'main-menu', 'reached'))).toBeGreaterThanOrEqual(scripts.length);
    const shot = process.env.UPDATE_DESK_SCREENSHOT === '1' ? 'docs/desk-insights.png' : join(tmpdir(), `desk-insights-${process.pid}.png`);
    await page.screenshot({ path: shot, fullPage: true, animations: 'disabled' });
    // On a narrow screen the page still holds together: nothing wider than the window but the drawing's own scroller.
    await page.setViewportSize({ width: 390, height: 800 });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
  } finally {
    await context.close();
  }
});
