import { DeskAgent, deskUsers } from '../helpers/desk';
import { portalLogin } from '../helpers/flows';
import { heard, startLine, type StoreKind, type TestLine } from '../helpers/line';

/** The flow's own words, so that a change of wording leaves these tests as they are. */
const WORDINGS = portalLogin().flow.announcements!.wordings;
const FIRST = Object.keys(WORDINGS)[0]!;
const OWN = 'We know that the Customer Portal is not letting anyone log in. We are working on it.';

/** The desk's announcement forms, driven like a browser (supertest), on both stores. */
describe.each<StoreKind>(['redis', 'memory'])('the announcement forms on the %s store', (kind) => {
  let line: TestLine;
  let agent: DeskAgent;
  beforeEach(async () => {
    line = await startLine(kind, { DESK_USERS: await deskUsers(), DESK_TIME_ZONE: 'America/Toronto' });
    agent = new DeskAgent(line.app);
    await agent.signIn();
  });
  afterEach(async () => {
    await line.close();
  });

  const form = (fields: Record<string, string>) => ({ wording: 'own', text: '', since: '', starts: '', ends: '', then: 'menu', ...fields });

  test('the page shows it off, and the saved wordings', async () => {
    const page = (await agent.get('/desk')).text;
    expect(page).toContain('Off: callers go straight to the menu.');
    for (const w of Object.values(WORDINGS)) expect(page).toContain(w.label);
  });

  test('preview, confirm: heard by the next call, recorded with who and when; then turned off with one button', async () => {
    const csrf = await agent.csrf();
    const preview = await agent.post('/desk/announcement', { csrf, ...form({ text: OWN }) });
    expect(preview.status).toBe(200);
    expect(preview.text).toContain(OWN);
    expect(preview.text).toMatch(/About <strong>\d+\.\d seconds<\/strong> of listening/);
    // Nothing is on until the confirmation.
    expect(line.line.announcements.current()).toBeNull();
    const on = await agent.post('/desk/announcement/on', { csrf, ...form({ text: OWN }) });
    expect(on.status).toBe(303);
    expect(line.line.announcements.playing()?.text).toBe(OWN);
    expect(heard(await line.call('hangup'))).toContain(OWN);
    const page = (await agent.get('/desk')).text;
    expect(page).toMatch(/<strong>On<\/strong>, turned on at \d\d:\d\d by\s+<strong>alice<\/strong>/);
    expect(page).toMatch(/alice<\/strong> turned it\s+on, until turned off/);
    const id = /name="id" value="([^"]+)"/.exec(page)![1]!;
    const off = await agent.post('/desk/announcement/off', { csrf, id });
    expect(off.status).toBe(303);
    expect(line.line.announcements.current()).toBeNull();
    expect(heard(await line.call('hangup'))).not.toContain(OWN);
    const after = (await agent.get('/desk')).text;
    expect(after).toContain('Off: callers go straight to the menu.');
    expect(after).toMatch(/<strong>alice<\/strong> turned it off/);
  });

  test('turning off takes off only the announcement the agent saw: one put on since by another stays on, with a 409 that says so', async () => {
    const csrf = await agent.csrf();
    expect((await agent.post('/desk/announcement/on', { csrf, ...form({ text: OWN }) })).status).toBe(303);
    const seen = /name="id" value="([^"]+)"/.exec((await agent.get('/desk')).text)![1]!;
    const bob = new DeskAgent(line.app);
    await bob.signIn('bob');
    const newer = 'We know that the portal is slow to log in. We are working on it.';
    expect((await bob.post('/desk/announcement/on', { csrf: await bob.csrf(), ...form({ text: newer }) })).status).toBe(303);
    const stale = await agent.post('/desk/announcement/off', { csrf, id: seen });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('changed since your page was loaded');
    expect(line.line.announcements.playing()?.text).toBe(newer);
    expect((await agent.post('/desk/announcement/off', { csrf })).status).toBe(400);
    const current = /name="id" value="([^"]+)"/.exec((await agent.get('/desk')).text)![1]!;
    expect((await agent.post('/desk/announcement/off', { csrf, id: current })).status).toBe(303);
    expect(line.line.announcements.current()).toBeNull();
  });

  test('a saved wording, with the time it began and its end filled in', async () => {
    const csrf = await agent.csrf();
    const preview = await agent.post('/desk/announcement', { csrf, ...form({ wording: FIRST, since: '09:00', ends: '23:59' }) });
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('since 9 a.m.');
    expect(preview.text).toContain('by 11:59 p.m.');
  });

  test.each([
    ['markup', '<b>down</b>', 'no markup'],
    ['a web address', 'See www.example.com for news.', 'No web or e-mail addresses'],
    ['a number', 'Call 555 0123 for help.', 'Digits only in a time'],
    ['too many words', 'the portal is down '.repeat(20), 'Too long'],
    ['nothing', '   ', 'Write the words'],
  ])('%s is refused with a reason, and the form comes back filled in', async (_what, text, reason) => {
    const csrf = await agent.csrf();
    const res = await agent.post('/desk/announcement', { csrf, ...form({ text }) });
    expect(res.status).toBe(400);
    expect(res.text).toContain(reason);
    expect(res.text).toContain('id="announcement-form"');
    const on = await agent.post('/desk/announcement/on', { csrf, ...form({ text }) });
    expect(on.status).toBe(400);
    expect(line.line.announcements.current()).toBeNull();
  });

  test('a form that is not one gets a 400 that says why', async () => {
    const csrf = await agent.csrf();
    const res = await agent.post('/desk/announcement', { csrf, ...form({ text: OWN, then: 'elsewhere', ends: '25:00' }) });
    expect(res.status).toBe(400);
    expect(res.text).toContain('then: must be menu or desk');
    expect(res.text).toContain('ends: must be a time');
  });

  test('only a signed-in agent, with the form token, from the page itself', async () => {
    const csrf = await agent.csrf();
    expect((await agent.post('/desk/announcement/on', { csrf: 'wrong', ...form({ text: OWN }) })).status).toBe(403);
    expect((await agent.post('/desk/announcement/on', { csrf, ...form({ text: OWN }) }, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(
      403,
    );
    const stranger = new DeskAgent(line.app);
    const res = await stranger.post('/desk/announcement/on', { csrf, ...form({ text: OWN }) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/\/desk\/sign-in$/);
    expect((await stranger.post('/desk/announcement/off', { csrf, id: 'any' })).status).toBe(303);
    expect(line.line.announcements.current()).toBeNull();
  });
});

test('without an end it ends ANNOUNCEMENT_MAX_HOURS after its start; an end past that is refused', async () => {
  const line = await startLine('memory', { DESK_USERS: await deskUsers(), ANNOUNCEMENT_MAX_HOURS: '2' });
  try {
    const agent = new DeskAgent(line.app);
    await agent.signIn();
    const csrf = await agent.csrf();
    const form = { csrf, wording: 'own', text: OWN, since: '', starts: '', ends: '', then: 'menu' };
    expect((await agent.post('/desk/announcement/on', form)).status).toBe(303);
    const on = line.line.announcements.current()!;
    expect(on).toMatchObject({ endGiven: false, by: 'alice' });
    expect(on.endsAt - on.startsAt).toBe(2 * 60 * 60 * 1000);
    // DESK_TIME_ZONE is UTC here: three hours from now, the next day's if it passes midnight.
    const late = await agent.post('/desk/announcement', {
      ...form,
      ends: new Date(Date.now() + 3 * 60 * 60 * 1000).toISOString().slice(11, 16),
    });
    expect(late.status).toBe(400);
    expect(late.text).toContain('An announcement lasts at most 2 hours');
  } finally {
    await line.close();
  }
});
