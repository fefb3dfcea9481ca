import type { Announcement } from '../../src/announcement/announcement';
import { CLOSED_DESK } from '../../src/simulator/demo-settings';
import { heard, startLine, type StoreKind, type TestLine } from '../helpers/line';

const TEXT = 'We know that the Customer Portal has not let anyone log in since 9 a.m. We are working on it.';

function announcement(fields: Partial<Announcement> = {}): Announcement {
  const now = Date.now();
  return {
    id: 'a1',
    text: TEXT,
    startsAt: now - 1000,
    endsAt: now + 60 * 60 * 1000,
    endGiven: true,
    then: 'menu',
    by: 'alice',
    at: now - 1000,
    wording: null,
    ...fields,
  };
}

/** Until this instance's copy of the announcement is `expected` (its messages arrive after the write resolves). */
async function boardShows(line: TestLine, expected: string | null, which: 'playing' | 'current' = 'playing'): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((line.line.announcements[which]()?.text ?? null) === expected) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`the board never showed ${expected}`);
}

/** Calls with the desk's announcement on: heard once after the greeting, skipped with a key, then the menu or the desk. */
describe.each<StoreKind>(['redis', 'memory'])('the announcement on the %s store', (kind) => {
  let line: TestLine;
  beforeEach(async () => {
    line = await startLine(kind);
  });
  afterEach(async () => {
    await line.close();
  });

  test('heard right after the greeting, once, then the main menu without the greeting again', async () => {
    await line.backend.announcements.put(announcement());
    await boardShows(line, TEXT);
    const result = await line.call('_,2,1');
    expect(result.errors).toEqual([]);
    const said = heard(result);
    expect(said.startsWith(`Customer Portal login help. Press or say your answer anytime. ${TEXT}\nWhich login problem?`)).toBe(true);
    expect(said.split(TEXT)).toHaveLength(2);
    expect(said.match(/Customer Portal login help\./g)).toHaveLength(1);
    expect(said).toContain('reset it yourself');
    expect(await line.metrics()).toMatch(/portal_line_announcement_heard_total 1\n/);
    expect(await line.metrics()).toMatch(/portal_line_announcement_hung_up_total 0\n/);
  });

  test('a key skips it, and is not taken as an answer to the menu', async () => {
    await line.backend.announcements.put(announcement());
    await boardShows(line, TEXT);
    const result = await line.call('4,hangup');
    const said = heard(result);
    expect(said).toContain('Which login problem?');
    expect(said).not.toContain('Restart your computer');
    const stored = await line.store.load(result.callSid);
    expect(stored).toMatchObject({ ended: true, summary: { path: ['main-menu'] } });
    // Ended where it began, nothing pressed after the announcement: a call it saved.
    expect(await line.metrics()).toMatch(/portal_line_announcement_hung_up_total 1\n/);
  });

  test('a caller who hangs up during it is counted as saved; one who goes on is not', async () => {
    await line.backend.announcements.put(announcement());
    await boardShows(line, TEXT);
    await line.call('hangup');
    await line.call('_,1,hangup');
    const metrics = await line.metrics();
    expect(metrics).toMatch(/portal_line_announcement_heard_total 2\n/);
    expect(metrics).toMatch(/portal_line_announcement_hung_up_total 1\n/);
  });

  test('then: the desk, as 0 would, with the reference and the whisper', async () => {
    await line.backend.announcements.put(announcement({ then: 'desk' }));
    await boardShows(line, TEXT);
    const result = await line.call('_,answer');
    const said = heard(result);
    expect(said).toContain(TEXT);
    expect(said).toContain("I'll connect you to the Business Support Desk.");
    expect(said).not.toContain('Which login problem?');
    expect(heard(result, 'agent hears')).toContain('The caller asked for the desk.');
    // The line sent the caller on, not the caller: the insights count the way to the desk, not an ask for it.
    const day = new Date().toISOString().slice(0, 10);
    const counts = (await line.line.insights!.read('portal-login', [day]))[day]!;
    expect(counts).toMatchObject({ 'toDesk|main-menu': 1 });
    expect(counts['deskAsked|main-menu|key']).toBeUndefined();
  });

  test('then: the desk, when the desk is closed, gives its closed-desk choices', async () => {
    const closed = await startLine(kind, CLOSED_DESK.env, undefined, { now: () => CLOSED_DESK.now });
    try {
      await closed.backend.announcements.put(announcement({ then: 'desk' }));
      await boardShows(closed, TEXT);
      const said = heard(await closed.call('_,hangup'));
      expect(said).toContain(TEXT);
      expect(said).toContain('The Business Support Desk is closed.');
      expect(said).toContain('For a callback, press 3.');
    } finally {
      await closed.close();
    }
  });

  test('not heard before it starts, nor once it ended, nor once turned off', async () => {
    await line.backend.announcements.put(announcement({ startsAt: Date.now() + 60_000 }));
    await boardShows(line, TEXT, 'current');
    expect(line.line.announcements.playing()).toBeNull();
    expect(heard(await line.call('hangup'))).not.toContain(TEXT);
    await line.backend.announcements.put(announcement({ id: 'a2', endsAt: Date.now() + 150 }));
    await boardShows(line, TEXT);
    await new Promise((r) => setTimeout(r, 200));
    // Ended by itself, on this instance's clock, without a message.
    expect(heard(await line.call('hangup'))).not.toContain(TEXT);
    await line.backend.announcements.put(announcement({ id: 'a3' }));
    await boardShows(line, TEXT);
    await line.backend.announcements.clear();
    await boardShows(line, null);
    expect(heard(await line.call('hangup'))).not.toContain(TEXT);
  });

  test('the webhook after it: a bad query is a 400 with the reason; a call the store lost still reaches the desk', async () => {
    const CallSid = `CA${'7'.repeat(32)}`;
    const bad = await line.post('/voice/announced?t=1&then=elsewhere', { CallSid });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('then: must be menu or desk');
    const lost = await line.post('/voice/announced?t=1&then=menu', { CallSid }).expect(200);
    expect(lost.text).toContain('<Dial');
  });

  test('a repeated request after the caller went on gets the prompt the call is at, not the menu again', async () => {
    await line.backend.announcements.put(announcement());
    await boardShows(line, TEXT);
    const CallSid = `CA${'8'.repeat(32)}`;
    const first = await line.post('/voice', { CallSid }).expect(200);
    expect(first.text).toContain(TEXT);
    expect(first.text).toContain('/voice/announced?t=1&amp;then=menu');
    const menu = await line.post('/voice/announced?t=1&then=menu', { CallSid, Digits: '5' }).expect(200);
    expect(menu.text).toContain('Which login problem?');
    expect(menu.text).not.toContain('Customer Portal login help');
    await line.post('/voice/input?t=1', { CallSid, Digits: '2' }).expect(200);
    const again = await line.post('/voice/announced?t=1&then=menu', { CallSid }).expect(200);
    expect(again.text).toContain('reset it yourself');
  });

  test('a second instance on the same store hears the change too', async () => {
    const other = await startLine(kind, {}, line);
    try {
      await line.backend.announcements.put(announcement());
      await boardShows(other, TEXT);
      expect(heard(await other.call('hangup'))).toContain(TEXT);
    } finally {
      await other.close();
    }
  });
});
