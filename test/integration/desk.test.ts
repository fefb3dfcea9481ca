import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { forReading } from '../../src/desk/views/cards';
import { escapeHtml } from '../../src/desk/views/html';
import { tokenId } from '../../src/desk/sign-in/tokens';
import { referenceFor } from '../../src/engine/step';
import { createLineServer } from '../../src/http/server';
import { DESK_PASSWORD, DeskAgent, deskUsers, eventually, openEvents, setCookies } from '../helpers/desk';
import { portalLogin } from '../helpers/flows';
import { AUTH_TOKEN, startLine, type StoreKind, type TestLine } from '../helpers/line';
import { keyedDigest } from '../../src/common/keyed-digest';

/** The desk page driven like a browser (supertest), on both stores: sign-in, refusals, live transfers, search, counts. */

const DATA_URLS = ['/desk/events', '/desk/api/transfers', '/desk/api/outcomes', '/desk/api/calls?reference=123456'];
const PAGES = ['/desk', '/desk/?reference=123456'];
const CALLER = '+15555550123';
/** The flow's own words, so that a change of wording leaves these tests as they are. */
const FLOW = portalLogin().flow;
const reasonOf = (node: string) => (FLOW.nodes[node] as { reason: string }).reason;
const noteOf = (node: string) => (FLOW.nodes[node] as { note: string }).note;

let n = 0;
/** A CallSid of its own for each call: an ended call stays ended. */
function callSid(): string {
  return `CA${Date.now().toString(16).padStart(16, '0')}${(n++).toString(16).padStart(16, '0')}`;
}

test('without DESK_USERS there is no desk page, and nothing of it runs', async () => {
  const line = await startLine('redis');
  try {
    for (const path of ['/desk', '/desk/sign-in', ...DATA_URLS]) expect((await request(line.app).get(path)).status).toBe(404);
    expect((await request(line.app).post('/desk/sign-in').type('form').send({ name: 'alice' })).status).toBe(404);
    const sid = callSid();
    await line.post('/voice', { CallSid: sid, From: CALLER }).expect(200);
    await line.post('/voice/input?t=1', { CallSid: sid, From: CALLER, Digits: '0' }).expect(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(await line.redis!.keys(`${line.prefix}:*desk*`)).toEqual([]);
    expect(await line.metrics()).not.toContain('portal_line_call_outcomes_total');
  } finally {
    await line.close();
  }
});

describe.each<StoreKind>(['redis', 'memory'])('the desk page on the %s store', (kind) => {
  let line: TestLine;
  let server: Server;
  let base: string;
  beforeEach(async () => {
    line = await startLine(kind, { DESK_USERS: await deskUsers() });
    server = createLineServer(line.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await line.close();
  });

  /** A call that the caller takes to a transfer with `keys`; returns its CallSid and the turn it is at. */
  async function transfer(keys: string[], from = CALLER): Promise<{ sid: string; t: number }> {
    const sid = callSid();
    await line.post('/voice', { CallSid: sid, From: from }).expect(200);
    let t = 1;
    // "say:no" is a spoken answer, as Twilio posts it: SpeechResult and Confidence, no Digits.
    for (const key of keys) {
      const answer: Record<string, string> = key.startsWith('say:') ? { SpeechResult: key.slice(4), Confidence: '0.93' } : { Digits: key };
      await line.post(`/voice/input?t=${t++}`, { CallSid: sid, From: from, ...answer }).expect(200);
    }
    return { sid, t };
  }

  describe('without a valid sign-in, no caller data is sent', () => {
    const refused = async (agent: DeskAgent) => {
      for (const path of DATA_URLS) {
        const res = await agent.get(path);
        expect({ path, status: res.status }).toEqual({ path, status: 401 });
        expect(res.text).toBe('sign in first');
      }
      for (const path of PAGES) {
        const res = await agent.get(path);
        expect({ path, status: res.status, location: res.headers.location }).toEqual({ path, status: 303, location: '/desk/sign-in' });
        expect(res.text).not.toContain(CALLER);
      }
      // Forms of the signed-in page go to the sign-in form too.
      for (const path of ['/desk/search', '/desk/sign-out'])
        expect((await agent.post(path, { csrf: 'x', reference: '123456' })).status).toBe(303);
    };

    test('no cookie', async () => {
      await transfer(['0']);
      await refused(new DeskAgent(line.app));
    });

    test('a forged cookie', async () => {
      await transfer(['0']);
      const agent = new DeskAgent(line.app);
      agent.cookies.set('desk_session', 'A'.repeat(43));
      await refused(agent);
      agent.cookies.set('desk_session', 'not even a token');
      await refused(agent);
    });

    test('a sign-in that expired, by its own expiry or by the store dropping it', async () => {
      await transfer(['0']);
      const agent = new DeskAgent(line.app);
      expect((await agent.signIn()).status).toBe(303);
      expect((await agent.get('/desk/api/transfers')).status).toBe(200);
      const store = line.backend.desk();
      const id = tokenId(agent.cookies.get('desk_session')!);
      const session = (await store.getSession(id))!;
      await store.putSession(id, { ...session, expiresAt: Date.now() - 1 }, 60);
      await refused(agent);
      await store.putSession(id, session, 60);
      expect((await agent.get('/desk/api/transfers')).status).toBe(200);
      await store.deleteSession(id);
      await refused(agent);
    });

    test('a sign-in after its sign-out', async () => {
      const agent = new DeskAgent(line.app);
      await agent.signIn();
      const cookie = agent.cookies.get('desk_session')!;
      const csrf = await agent.csrf();
      const out = await agent.post('/desk/sign-out', { csrf });
      expect(out.status).toBe(303);
      expect(out.headers.location).toBe('/desk/sign-in?signed-out=1');
      expect(agent.cookies.has('desk_session')).toBe(false);
      agent.cookies.set('desk_session', cookie);
      await refused(agent);
    });
  });

  test('signing in sets an HttpOnly, SameSite=Lax, Secure (the public URL is https) cookie, and the page greets the agent', async () => {
    const agent = new DeskAgent(line.app);
    const form = await agent.get('/desk/sign-in');
    expect(form.status).toBe(200);
    expect(form.text).toContain('<label for="password">Password</label>');
    const res = await agent.signIn();
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/desk');
    const cookie = setCookies(res.headers).get('desk_session')!;
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Secure', 'Path=/desk']));
    // This browser's device cookie (its later sign-ins get the password check kept for agents): as guarded.
    expect(setCookies(res.headers).get('desk_device')!.attributes).toEqual(
      expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Secure', 'Path=/desk']),
    );
    const page = await agent.get('/desk');
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('Signed in as <strong>alice</strong>');
    expect(line.logs.join('')).toContain('"desk":"signed-in","user":"alice"');
    expect(line.logs.join('')).not.toContain(DESK_PASSWORD);
  });

  test('on a plain-http public URL the cookie is not Secure', async () => {
    const local = await startLine(kind, { DESK_USERS: await deskUsers(), PUBLIC_BASE_URL: 'http://localhost:3000' });
    try {
      const res = await new DeskAgent(local.app).signIn();
      expect(setCookies(res.headers).get('desk_session')!.attributes).not.toContain('Secure');
    } finally {
      await local.close();
    }
  });

  describe('every form needs its CSRF token', () => {
    test('the sign-in form: without the token, or without the cookie it must match, it is refused', async () => {
      const agent = new DeskAgent(line.app);
      await agent.get('/desk/sign-in');
      const noToken = await agent.post('/desk/sign-in', { name: 'alice', password: DESK_PASSWORD });
      expect(noToken.status).toBe(403);
      const wrongToken = await agent.post('/desk/sign-in', { csrf: 'B'.repeat(43), name: 'alice', password: DESK_PASSWORD });
      expect(wrongToken.status).toBe(403);
      const page = await new DeskAgent(line.app).get('/desk/sign-in');
      const noCookie = await request(line.app)
        .post('/desk/sign-in')
        .type('form')
        .send({ csrf: /name="csrf" value="([^"]+)"/.exec(page.text)![1], name: 'alice', password: DESK_PASSWORD });
      expect(noCookie.status).toBe(403);
      for (const res of [noToken, wrongToken, noCookie]) expect(setCookies(res.headers).has('desk_session')).toBe(false);
    });

    test("the search and sign-out forms: without the sign-in's token, refused, and the sign-in holds", async () => {
      const agent = new DeskAgent(line.app);
      await agent.signIn();
      expect((await agent.post('/desk/search', { reference: '123456' })).status).toBe(403);
      expect((await agent.post('/desk/search', { reference: '123456', csrf: 'C'.repeat(43) })).status).toBe(403);
      expect((await agent.post('/desk/sign-out', {})).status).toBe(403);
      expect((await agent.get('/desk/api/transfers')).status).toBe(200);
      // Another sign-in's token is not this one's.
      const other = new DeskAgent(line.app);
      await other.signIn('bob');
      expect((await agent.post('/desk/sign-out', { csrf: await other.csrf() })).status).toBe(403);
      expect((await agent.get('/desk/api/transfers')).status).toBe(200);
    });

    test('a form posted from another site is refused whatever it carries', async () => {
      const agent = new DeskAgent(line.app);
      await agent.signIn();
      const csrf = await agent.csrf();
      expect((await agent.post('/desk/sign-out', { csrf }, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
      expect((await agent.get('/desk/api/transfers')).status).toBe(200);
    });
  });

  test('wrong passwords from one address make that name wait there; the right one from elsewhere is taken; no failure logs the password', async () => {
    // Behind a proxy that says who the client is, as DESK_TRUST_PROXY allows.
    const proxied = await startLine(kind, { DESK_USERS: await deskUsers(), DESK_TRUST_PROXY: 'loopback' });
    try {
      const from = (address: string) => ({ 'X-Forwarded-For': address });
      const stranger = new DeskAgent(proxied.app);
      for (let i = 1; i <= 5; i++) {
        const res = await stranger.signIn('alice', `wrong password ${i}`, from('203.0.113.9'));
        expect(res.status).toBe(401);
        expect(res.text).toContain('That name and password do not match');
      }
      const sixth = await stranger.signIn('alice', 'wrong password 6', from('203.0.113.9'));
      expect(sixth.status).toBe(429);
      expect(sixth.headers['retry-after']).toBe('60');
      expect(sixth.text).toContain('Too many failed sign-ins from here. Try again in 1 minute');
      expect((await stranger.signIn('alice', DESK_PASSWORD, from('203.0.113.9'))).status).toBe(429);
      // Another instance on the same store holds the same wait.
      if (kind === 'redis') {
        const other = await startLine(kind, { DESK_USERS: await deskUsers(), DESK_TRUST_PROXY: 'loopback' }, proxied);
        expect((await new DeskAgent(other.app).signIn('alice', DESK_PASSWORD, from('203.0.113.9'))).status).toBe(429);
        await other.close();
      }
      // Alice, at her own address, is never held back by a stranger's failures.
      const alice = new DeskAgent(proxied.app);
      const right = await alice.signIn('alice', DESK_PASSWORD, from('198.51.100.20'));
      expect(right.status).toBe(303);
      expect(setCookies(right.headers).has('desk_session')).toBe(true);
      const logs = proxied.logs.join('');
      expect(logs.match(/"desk":"sign-in-failed"/g)).toHaveLength(5);
      expect(logs).toContain('"desk":"sign-in-locked","user":"alice","address":"203.0.113.9","by":"name-and-address"');
      expect(logs).not.toMatch(/wrong password \d|correct horse/);
      // Each 429 is counted (an alert reads them): the sixth wrong password and the right one from that address.
      const metrics = await proxied.metrics();
      expect(metrics).toContain('portal_line_desk_sign_ins_locked_total{by="name-and-address"} 2\n');
      expect(metrics).toContain('portal_line_desk_sign_ins_locked_total{by="address"} 0\n');
    } finally {
      await proxied.close();
    }
  });

  test('a name nobody has is logged only as a keyed digest: never as typed, never as its plain SHA-256', async () => {
    const typed = 'my-secret-passphrase';
    await new DeskAgent(line.app).signIn(typed, 'x');
    const logs = line.logs.join('');
    expect(logs).not.toContain(typed);
    const sha = createHash('sha256').update(typed).digest('hex');
    expect(logs).not.toContain(sha.slice(0, 12));
    expect(logs).toContain(`"desk":"sign-in-failed","unknownName":"${keyedDigest(AUTH_TOKEN, 'sign-in-name', typed, 12)}"`);
  });

  test('a transfer made by a signed webhook appears on an open page within 2 s, with all the agent needs', async () => {
    const agent = new DeskAgent(line.app);
    await agent.signIn();
    const stream = await openEvents(`${base}/desk/events`, agent.cookieHeader);
    try {
      expect(stream.status).toBe(200);
      await stream.next((e) => e.event === 'snapshot');
      const started = Date.now();
      const { sid, t } = await transfer(['3', 'say:No.', '1']);
      const event = await stream.next((e) => e.event === 'transfer', 2000);
      expect(Date.now() - started).toBeLessThan(2000);
      const data = JSON.parse(event.data) as { id: string; html: string; announce: string };
      const reference = referenceFor(sid);
      expect(data.id).toBe(`call-${sid}`);
      expect(data.announce).toBe(`New transfer: reference ${reference.slice(0, 3)} ${reference.slice(3)}, mfa reset new device.`);
      expect(data.html).toContain(`Reference ${reference.slice(0, 3)} ${reference.slice(3)}`);
      expect(data.html).toContain(forReading(reasonOf('mfa-reset-new-device')));
      expect(data.html).toContain('<a href="tel:+15555550123">(555) 555-0123</a>');
      // What the caller told the line, and how: "pressed 1" and "said no" alike, never the words as spoken.
      expect(data.html).toContain(`<li>${forReading(noteOf('mfa-changed-device'))}: yes (pressed 1)</li>`);
      expect(data.html).toContain(`<li>${forReading(noteOf('mfa-uninstalled-app'))}: no (said no, confidence 0.93)</li>`);
      expect(data.html).not.toContain('No.');
      expect(data.html).toContain('Ringing the desk');
      await line.post(`/voice/dial?t=${t}`, { CallSid: sid, From: CALLER, DialCallStatus: 'no-answer' }).expect(200);
      const dial = JSON.parse((await stream.next((e) => e.event === 'dial')).data) as { id: string; html: string };
      expect(dial).toEqual({ id: `dial-${sid}`, html: expect.stringContaining('Nobody at the desk answered') });
      // And the day keeps it, for a page opened later.
      const { transfers } = (await agent.get('/desk/api/transfers')).body as { transfers: Record<string, unknown>[] };
      expect(transfers[0]).toMatchObject({
        callSid: sid,
        reference,
        reasonId: 'mfa-reset-new-device',
        notes: [
          `${noteOf('main-menu')}: ${(FLOW.nodes['main-menu'] as { options: { key: string; note: string }[] }).options.find((o) => o.key === '3')!.note} (pressed 3)`,
          `${noteOf('mfa-uninstalled-app')}: no (said no, confidence 0.93)`,
          `${noteOf('mfa-changed-device')}: yes (pressed 1)`,
        ],
        path: ['main-menu:3', 'mfa-uninstalled-app:2', 'mfa-changed-device:1', 'mfa-reset-new-device'],
        flowId: 'portal-login',
        from: CALLER,
        attempt: 1,
        dial: { result: 'no-answer' },
      });
      const page = await agent.get('/desk');
      expect(page.text).toContain(`id="call-${sid}"`);
      expect(page.text).toContain('Nobody at the desk answered');
      // The logs still mask the number.
      expect(line.logs.join('')).not.toContain(CALLER);
    } finally {
      stream.close();
    }
  });

  test('a redial is the same call again, most recent first; the rescue path shows too', async () => {
    const agent = new DeskAgent(line.app);
    await agent.signIn();
    const first = await transfer(['0']);
    const second = await transfer(['1', '1']);
    await line.post(`/voice/dial?t=${first.t}`, { CallSid: first.sid, DialCallStatus: 'busy' }).expect(200);
    await line.post(`/voice/input?t=${first.t + 1}`, { CallSid: first.sid, Digits: '1' }).expect(200);
    const lost = callSid();
    await line.post('/voice/input?t=4', { CallSid: lost, From: '+15555550999', Digits: '1' }).expect(200);
    const { transfers } = await eventually(async () => {
      const body = (await agent.get('/desk/api/transfers')).body as { transfers: { callSid: string }[] };
      return body.transfers.length === 3 ? body : undefined;
    });
    expect(transfers.map((c) => c.callSid)).toEqual([lost, first.sid, second.sid]);
    expect(transfers[1]).toMatchObject({
      reasonId: '_bsd_request',
      attempt: 2,
      dial: null,
      notes: [],
      path: ['main-menu:0', '_bsd_request:busy', '_dial_failed:1', '_redial'],
    });
    expect(transfers[0]).toMatchObject({ reasonId: 'state-lost', notes: null, path: [], from: '+15555550999' });
    expect(transfers[2]).toMatchObject({ reasonId: 'username-ticket' });
  });

  test('the path is the one the call took, each node with how it was left: repeats, back to the menu, a timeout', async () => {
    const agent = new DeskAgent(line.app);
    await agent.signIn();
    // Username, hear it again, back to the main menu, multi-factor, no key three times: the keypad-trouble transfer.
    const { sid } = await transfer(['1', '*', '9', '3', '', '', '']);
    const { transfers } = await eventually(async () => {
      const body = (await agent.get('/desk/api/transfers')).body as { transfers: { callSid: string }[] };
      return body.transfers.some((c) => c.callSid === sid) ? body : undefined;
    });
    expect(transfers[0]).toMatchObject({
      callSid: sid,
      reasonId: '_keypad_trouble',
      path: ['main-menu:1', 'username:*', 'username:9', 'main-menu:3', 'mfa-uninstalled-app:timeout', '_keypad_trouble'],
    });
    const page = (await agent.get('/desk')).text;
    const card = page.slice(page.indexOf(`id="call-${sid}"`), page.indexOf('</article>', page.indexOf(`id="call-${sid}"`)));
    const steps = /<ol class="path">([\s\S]*?)<\/ol>/.exec(card)![1]!.match(/<li>[\s\S]*?<\/li>/g)!;
    expect(
      steps.map((li) =>
        li
          .replace(/<[^>]+>/g, '')
          .replace(/\s+/g, ' ')
          .trim(),
      ),
    ).toEqual([
      'main menu (1: username)',
      'username (*: hear it again)',
      'username (9: main menu)',
      'main menu (3: multi-factor authentication)',
      'mfa uninstalled app (no key, timed out)',
      'trouble with the keypad',
    ]);
  });

  test('a transfer the rescue path makes again (the call lost its state) reaches the page live, with what is known', async () => {
    const agent = new DeskAgent(line.app);
    await agent.signIn();
    const stream = await openEvents(`${base}/desk/events`, agent.cookieHeader);
    try {
      await stream.next((e) => e.event === 'snapshot');
      const lost = callSid();
      const from = '+15555550999';
      await line.post('/voice/input?t=4', { CallSid: lost, From: from, Digits: '1' }).expect(200);
      await stream.next((e) => e.event === 'transfer' && e.data.includes(lost), 2000);
      // The desk is busy; the caller presses 1 to try again: the rescue dials from what its URL carries.
      await line.post('/voice/rescue/dial?d=0', { CallSid: lost, From: from, DialCallStatus: 'busy' }).expect(200);
      await stream.next((e) => e.event === 'dial' && e.data.includes('The desk was busy'));
      const started = Date.now();
      const again = await line.post('/voice/rescue/choice?s=f&n=0&d=1&p=busy', { CallSid: lost, From: from, Digits: '1' }).expect(200);
      expect(again.text).toContain('<Dial');
      const event = await stream.next((e) => e.event === 'transfer' && e.data.includes(lost), 2000);
      expect(Date.now() - started).toBeLessThan(2000);
      const data = JSON.parse(event.data) as { html: string; announce: string };
      const reference = referenceFor(lost);
      expect(data.announce).toBe(
        `New transfer: reference ${reference.slice(0, 3)} ${reference.slice(3)}, the line lost its place, dialling again.`,
      );
      expect(data.html).toContain(escapeHtml(forReading(FLOW.system.stateLost.reason)));
      expect(data.html).toContain('(attempt 2)');
      expect(data.html).toContain('<a href="tel:+15555550999">');
      const { transfers } = (await agent.get('/desk/api/transfers')).body as { transfers: Record<string, unknown>[] };
      expect(transfers[0]).toMatchObject({ callSid: lost, reference, reasonId: 'state-lost', attempt: 2, dial: null, from });
      // The redial's dial ends: the card says so, and keeps its attempt count.
      await line.post('/voice/rescue/dial?d=1', { CallSid: lost, From: from, DialCallStatus: 'completed' }).expect(200);
      const dial = JSON.parse((await stream.next((e) => e.event === 'dial' && e.data.includes('Answered'))).data) as { id: string };
      expect(dial.id).toBe(`dial-${lost}`);
      const page = (await agent.get('/desk')).text;
      expect(page).toMatch(/Answered by the desk, <time[^>]*>[^<]*<\/time><\/span> <span class="attempt">\(attempt 2\)<\/span>/);
      // A rescued call is counted once, however often it is dialled.
      expect((await agent.get('/desk/api/outcomes')).body).toMatchObject({ counts: { 'transferred:state-lost': 1 } });
      expect(line.logs.join('')).not.toContain(from);
    } finally {
      stream.close();
    }
  });

  test("the caller's number, the reason, the dial and the path are found by reference for as long as the summary is kept", async () => {
    const agent = new DeskAgent(line.app);
    await agent.signIn();
    const { sid, t } = await transfer(['1', '3']);
    const reference = referenceFor(sid);
    await line.post(`/voice/dial?t=${t}`, { CallSid: sid, From: CALLER, DialCallStatus: 'completed' }).expect(200);
    await line.post('/voice/status', { CallSid: sid, From: CALLER, CallStatus: 'completed', CallDuration: '200' }).expect(204);
    await eventually(async () => {
      const calls = ((await agent.get(`/desk/api/calls?reference=${reference}`)).body as { calls: { summary: unknown }[] }).calls;
      return calls[0]?.summary === null || calls[0] === undefined ? undefined : calls;
    });
    // Days later: the day's list (kept two days) is gone; the call's summary is kept for SUMMARY_TTL_SECONDS.
    if (kind === 'redis') {
      const dayKeys = await line.redis!.keys(`${line.prefix}:{desk-day:*`);
      expect(dayKeys.length).toBeGreaterThan(0);
      await line.redis!.del(...dayKeys);
      const callKey = `${line.prefix}:desk:call:${sid}`;
      expect(await line.redis!.ttl(callKey)).toBeGreaterThan(7 * 24 * 60 * 60 - 60);
    } else {
      const store = line.backend.desk() as unknown as { days: Map<string, unknown> };
      expect(store.days.size).toBeGreaterThan(0);
      store.days.clear();
    }
    expect(((await agent.get('/desk/api/transfers')).body as { transfers: unknown[] }).transfers).toEqual([]);
    const { calls } = (await agent.get(`/desk/api/calls?reference=${reference}`)).body as { calls: Record<string, unknown>[] };
    expect(calls[0]).toMatchObject({
      callSid: sid,
      summary: { path: ['main-menu:1', 'username:3', 'username-verification:connected', '_after_desk'] },
      card: { from: CALLER, reasonId: 'username-verification', dial: { result: 'answered' } },
    });
    const page = (await agent.get(`/desk?reference=${reference}`)).text;
    expect(page).toContain('<a href="tel:+15555550123">(555) 555-0123</a>');
    expect(page).toContain(escapeHtml(forReading(reasonOf('username-verification'))));
    expect(page).toContain('Answered by the desk');
    expect(page.replace(/<[^>]+>/g, '')).toContain('username (3: not sure)');
    expect(line.logs.join('')).not.toContain(CALLER);
  });

  test('a caller’s number is shown only as parsed and formatted: a spoofed From shows as "unknown number", with no link', async () => {
    const agent = new DeskAgent(line.app);
    await agent.signIn();
    const spoofed = await transfer(['0'], '+1\u202E3210555402');
    const text = await transfer(['0'], "Caller's number\u0007");
    const real = await transfer(['0'], '+12045550123');
    const page = await eventually(async () => {
      const html = (await agent.get('/desk')).text;
      return [spoofed, text, real].every((c) => html.includes(`id="call-${c.sid}"`)) ? html : undefined;
    });
    const cardOf = (sid: string) => page.slice(page.indexOf(`id="call-${sid}"`)).split('</li>')[0]!;
    for (const sid of [spoofed.sid, text.sid]) {
      expect(cardOf(sid)).toContain('unknown number');
      expect(cardOf(sid)).not.toContain('tel:');
    }
    expect(page).not.toContain('\u202E');
    expect(page).not.toContain('\u0007');
    expect(cardOf(real.sid)).toContain('<a href="tel:+12045550123">(204) 555-0123</a>');
    const found = (await agent.get(`/desk?reference=${referenceFor(spoofed.sid)}`)).text;
    expect(found).toContain('unknown number');
    expect(found).not.toContain('\u202E');
  });

  test('search by reference: a call in progress, and after it ended, with its summary', async () => {
    const agent = new DeskAgent(line.app);
    await agent.signIn();
    const { sid, t } = await transfer(['1', '3']);
    const reference = referenceFor(sid);
    const found = await eventually(async () => {
      const res = await agent.get(`/desk/api/calls?reference=${reference}`);
      return (res.body as { calls: unknown[] }).calls.length > 0 ? res.body : undefined;
    });
    expect(found).toMatchObject({ calls: [{ callSid: sid, live: { call: { value: 'username-verification' } }, summary: null }] });
    // The form, as a person uses it: spaces allowed, redirected to the page with the results.
    const csrf = await agent.csrf();
    const posted = await agent.post('/desk/search', { csrf, reference: `${reference.slice(0, 3)} ${reference.slice(3)}` });
    expect(posted.status).toBe(303);
    expect(posted.headers.location).toBe(`/desk?reference=${reference}#find`);
    let page = await agent.get(`/desk?reference=${reference}`);
    expect(page.text).toContain('In progress, now at: username verification');
    expect(page.text).toContain(`${forReading(noteOf('username'))}: not sure`);
    await line.post(`/voice/dial?t=${t}`, { CallSid: sid, DialCallStatus: 'completed' }).expect(200);
    await line.post('/voice/status', { CallSid: sid, CallStatus: 'completed', CallDuration: '312' }).expect(204);
    const ended = await eventually(async () => {
      const res = await agent.get(`/desk/api/calls?reference=${reference}`);
      const calls = (res.body as { calls: { summary: unknown }[] }).calls;
      return calls[0]?.summary === null ? undefined : calls;
    });
    expect(ended[0]).toMatchObject({ summary: { transfer: 'username-verification', callStatus: 'completed', durationSeconds: 312 } });
    page = await agent.get(`/desk?reference=${reference}`);
    expect(page.text).toContain('(completed, 5 min 12 s)');
    expect(page.text).toMatch(/<dt>Transfer<\/dt>\s*<dd>username verification<\/dd>/);
    const none = await agent.get('/desk?reference=000000');
    expect(none.text).toMatch(/No call with reference 000 000 is in progress or ended in the last 7 days/);
    const bad = await agent.get('/desk?reference=12ab');
    expect(bad.text).toContain('A reference is six digits');
    expect((await agent.get('/desk/api/calls?reference=12')).status).toBe(400);
  });

  test("today's outcomes: a picture on the page, the same counts as JSON and on /metrics, which promtool accepts", async () => {
    const agent = new DeskAgent(line.app);
    await agent.signIn();
    const solved = await line.call('2,1');
    const hungUp = await line.call('1,hangup');
    const transferred = await line.call('3,2,1,answer');
    for (const call of [solved, hungUp, transferred]) expect(call.errors).toEqual([]);
    const { counts } = await eventually(async () => {
      const body = (await agent.get('/desk/api/outcomes')).body as { counts: Record<string, number> };
      return Object.values(body.counts).reduce((a, b) => a + b, 0) === 3 ? body : undefined;
    });
    expect(counts).toEqual({ solved: 1, 'hung-up': 1, 'transferred:mfa-reset-new-device': 1 });
    const page = (await agent.get('/desk')).text;
    expect(page).toMatch(/<svg\s+class="chart"\s+role="img"/);
    expect(page).toContain('Solved by self-service: 1. Transferred: mfa reset new device: 1. Hung up mid-way: 1.');
    expect(page).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const metrics = await line.metrics();
    expect(metrics).toContain('portal_line_call_outcomes_total{outcome="solved"} 1\n');
    expect(metrics).toContain('portal_line_call_outcomes_total{outcome="hung-up"} 1\n');
    expect(metrics).toContain('portal_line_call_outcomes_total{outcome="transferred",reason="mfa-reset-new-device"} 1\n');
    const check = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    expect({ status: check.status, output: `${check.stdout}${check.stderr}` }).toEqual({ status: 0, output: '' });
  });

  test('signing out closes the open page at once and its stream says so', async () => {
    const agent = new DeskAgent(line.app);
    await agent.signIn();
    const stream = await openEvents(`${base}/desk/events`, agent.cookieHeader);
    await stream.next((e) => e.event === 'snapshot');
    await agent.post('/desk/sign-out', { csrf: await agent.csrf() });
    await stream.next((e) => e.event === 'signed-out');
    await stream.ended;
    expect(line.logs.join('')).toContain('"desk":"signed-out","user":"alice"');
  });
});
