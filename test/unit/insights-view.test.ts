import type { FlowFile } from '../../src/flows/schema';
import { insightsReport, type NodeRow } from '../../src/insights/insights-report';
import { containmentChart, versionChanges } from '../../src/desk/insights/containment-chart';
import { flowDrawing, toneOf } from '../../src/desk/insights/flow-drawing';
import { leaveShare } from '../../src/insights/insights-report';
import { askOf } from '../../src/desk/insights/insights-query';
import { insightsPage, pointsChange } from '../../src/desk/insights/insights-view';
import { DeskAgent, deskUsers } from '../helpers/desk';
import { portalLogin } from '../helpers/flows';
import { startLine, type TestLine } from '../helpers/line';

/**
 * The flow insights page's pieces: the query checked at the boundary, the flow drawn from the flow file (a new node
 * appears by itself, its words escaped), the colours by where callers leave a node, and the page behind the sign-in.
 */

const TODAY = '2026-12-06';
const ctx = { base: '/desk', timeZone: 'America/Toronto' };

function page(flow: FlowFile, counts: Record<string, Record<string, number>>, query: Record<string, string> = { period: 'today' }) {
  const asked = askOf(query, TODAY, 90);
  if (!asked.ok) throw new Error(asked.reason);
  const { ask } = asked;
  const report = insightsReport(flow, ask.period.days, counts);
  const compared = ask.compared && insightsReport(flow, ask.compared.days, counts);
  return insightsPage(ctx, {
    user: 'alice',
    csrf: 'token',
    flow,
    ask,
    report,
    ...(compared && { compared }),
    today: TODAY,
    retentionDays: 90,
  });
}

/** The portal-login flow with one more choice at the main menu, to a node of its own. */
function withNewNode(say: string): FlowFile {
  const flow = structuredClone(portalLogin().flow);
  const menu = flow.nodes['main-menu'];
  if (menu?.type !== 'menu') throw new Error('main-menu is a menu');
  menu.options.push({ ...menu.options[0]!, key: '5', note: 'Locked <account> & "more"', goto: 'locked-account' });
  flow.nodes['locked-account'] = { type: 'transfer', say, reason: say } as FlowFile['nodes'][string];
  return flow;
}

describe('the query', () => {
  test('a period by name ends today; the default is 7 days; compare=previous is the same length just before', () => {
    const week = askOf({}, TODAY, 90);
    expect(week.ok && [week.ask.period.from, week.ask.period.to, week.ask.period.days.length, week.ask.named]).toEqual([
      '2026-11-30',
      TODAY,
      7,
      '7d',
    ]);
    const today = askOf({ period: 'today', compare: 'previous' }, TODAY, 90);
    expect(today.ok && [today.ask.period.days, today.ask.compared?.days]).toEqual([[TODAY], ['2026-12-05']]);
    const month = askOf({ period: '30d', compare: 'previous' }, TODAY, 90);
    expect(month.ok && [month.ask.compared?.from, month.ask.compared?.to]).toEqual(['2026-10-08', '2026-11-06']);
    const days = askOf({ from: '2026-11-01', to: '2026-11-10', vsFrom: '2026-10-01', vsTo: '2026-10-05' }, TODAY, 90);
    expect(days.ok && [days.ask.period.days.length, days.ask.compared?.days.length]).toEqual([10, 5]);
    // Date fields left empty in the form are as if not given.
    const blank = askOf({ from: '', to: '', vsFrom: '', vsTo: '', period: '30d' }, TODAY, 90);
    expect(blank.ok && blank.ask.period.days.length).toBe(30);
  });

  test.each<[Record<string, unknown>, RegExp]>([
    [{ period: 'year' }, /^period: must be today, 7d or 30d$/],
    [{ period: ['7d', '30d'] }, /^period: must be today, 7d or 30d$/],
    [{ compare: 'next' }, /^compare: must be previous/],
    [{ from: '2026-11-31', to: '2026-12-01' }, /^from: is not a day of the calendar$/],
    [{ from: '12/01/2026', to: '2026-12-01' }, /^from: must be a day as YYYY-MM-DD$/],
    [{ from: '2026-12-01' }, /^to: from and to go together$/],
    [{ from: '2026-12-03', to: '2026-12-01' }, /^from: 2026-12-03 is after 2026-12-01$/],
    [{ from: '2026-12-01', to: '2026-12-07' }, /^from: 2026-12-07 is after today \(2026-12-06\)$/],
    [{ period: '7d', from: '2026-12-01', to: '2026-12-02' }, /^period: give a period or from and to, not both$/],
    [{ vsFrom: '2026-12-01' }, /^vsTo: vsFrom and vsTo go together$/],
    [{ compare: 'previous', vsFrom: '2026-12-01', vsTo: '2026-12-01' }, /^compare: give compare or vsFrom and vsTo, not both$/],
    [{ from: '2026-08-01', to: '2026-12-01' }, /^from: 123 days is longer than the 90 days the counts are kept for/],
    [{ from: '2026-09-01', to: '2026-09-02' }, /^from: 2026-09-01 is older than the counts kept \(the oldest day kept is 2026-09-08\)$/],
    [{ period: '30d', compare: 'previous', extra: '1' }, /^not a field of this page: extra$/],
  ])('%j is refused: %s', (query, reason) => {
    const asked = askOf(query, TODAY, 90);
    expect(asked.ok).toBe(false);
    expect(!asked.ok && asked.reason).toMatch(reason);
  });

  test('a period is capped by the retention: 30 days kept refuse the 30 days before the last 30', () => {
    expect(askOf({ period: '30d' }, TODAY, 30).ok).toBe(true);
    const before = askOf({ period: '30d', compare: 'previous' }, TODAY, 30);
    expect(!before.ok && before.reason).toBe('compare: 2026-10-08 is older than the counts kept (the oldest day kept is 2026-11-07)');
    expect(askOf({ period: '7d' }, TODAY, 1)).toEqual({
      ok: false,
      reason: 'period: 7 days is longer than the 1 days the counts are kept for (INSIGHTS_RETENTION_DAYS)',
    });
  });
});

describe('the drawing and the tables', () => {
  test('a node added to the flow file appears in the drawing, with its arrow, and in the table, with its counts', () => {
    const flow = withNewNode('Your account is locked, so I will connect you.');
    const text = page(flow, {
      [TODAY]: {
        calls: 4,
        'reached|main-menu': 4,
        'choice|main-menu|5|key': 2,
        'choice|main-menu|5|voice': 1,
        'reached|locked-account': 3,
      },
    });
    expect(text).toContain('<g class="node tone-desk" data-node="locked-account">');
    expect(text).toMatch(
      /data-from="main-menu"\s+data-key="5"\s*>[\s\S]*?<text class="arrow-label"[^>]*data-count="3"\s*>5 Locked &lt;account&gt;… · 3<\/text/,
    );
    expect(text).toContain('id="node-locked-account"');
    const card = text.slice(text.indexOf('id="node-locked-account"'));
    expect(card).toMatch(/data-measure="reached"[\s\S]*?data-field="calls">3</);
    // In the main menu's table, the new choice by key and by voice.
    const menu = text.slice(text.indexOf('id="node-main-menu"'), text.indexOf('id="node-username"'));
    expect(menu).toMatch(
      /data-measure="choice-5"[\s\S]*?data-field="byKey">2<[\s\S]*?data-field="byVoice">1<[\s\S]*?data-field="calls">3<[\s\S]*?data-field="share">75%</,
    );
  });

  test("the flow's words are escaped everywhere: drawing, titles and tables", () => {
    const evil = '<script>alert("x")</script> & \'quoted\'.';
    const flow = withNewNode(evil);
    const text = page(flow, { [TODAY]: { calls: 1, 'reached|locked-account': 1 } });
    expect(text).not.toContain('<script>alert');
    expect(text).not.toContain('<account>');
    expect(text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;.');
    // The only script is the desk's own file.
    expect(text.match(/<script/g)).toHaveLength(1);
    expect(text).toContain('<script src="/desk/assets/desk.js" defer></script>');
  });

  test('a node is coloured by the share of its reached calls that hung up there or went on to the desk', () => {
    const row = (reached: number, hungUp: number, toDesk: number, kind: NodeRow['kind'] = 'question'): NodeRow => ({
      node: 'n',
      kind,
      title: 't',
      reached,
      choices: [],
      wrong: 0,
      notUnderstood: 0,
      silences: 0,
      deskAsked: { byKey: 0, byVoice: 0 },
      toDesk,
      hungUp,
      solved: 0,
    });
    const flow = portalLogin().flow;
    expect(leaveShare(row(0, 0, 0), flow)).toBeNull();
    expect(leaveShare(row(10, 2, 3), flow)).toBe(0.5);
    expect(toneOf(row(0, 0, 0), flow)).toBe('none');
    expect(toneOf(row(100, 10, 14), flow)).toBe('kept');
    expect(toneOf(row(100, 10, 15), flow)).toBe('some-lost');
    expect(toneOf(row(100, 30, 19), flow)).toBe('some-lost');
    expect(toneOf(row(100, 30, 20), flow)).toBe('lost');
    expect(toneOf(row(4, 4, 0, 'instructions'), flow)).toBe('lost');
    expect(toneOf(row(4, 0, 0, 'transfer'), flow)).toBe('desk');
    expect(toneOf(row(4, 0, 0, 'end'), flow)).toBe('end');
    // Gone to the desk by a choice that leads there (yes: log a ticket) is the flow as written, not a caller lost.
    const ticket = { ...row(10, 0, 6), choices: [{ key: '1', label: 'yes', to: 'username-ticket', byKey: 4, byVoice: 1 }] };
    expect(leaveShare(ticket, flow)).toBe(0.1);
    expect(toneOf(ticket, flow)).toBe('kept');

    const drawing = flowDrawing(
      flow,
      insightsReport(flow, [TODAY], {
        [TODAY]: {
          'reached|main-menu': 10,
          'hungUp|main-menu': 6,
          'reached|password': 10,
          'hungUp|password': 3,
          'reached|username': 10,
          'toDesk|username': 1,
        },
      }),
    ).text;
    expect(drawing).toContain('<g class="node tone-lost" data-node="main-menu">');
    expect(drawing).toContain('<g class="node tone-some-lost" data-node="password">');
    expect(drawing).toContain('<g class="node tone-kept" data-node="username">');
    expect(drawing).toContain('<g class="node tone-none" data-node="black-screen-restart">');
    expect(drawing).toMatch(
      /<title>main-menu: Which login problem\? Reached by 10; 60% left the line here \(50% or more left the line here\)\.<\/title>/,
    );
  });

  test('comparison: both periods side by side, with the change in points', () => {
    const text = page(
      portalLogin().flow,
      {
        [TODAY]: { calls: 10, 'reached|main-menu': 10, 'choice|main-menu|2|key': 5 },
        '2026-12-05': { calls: 4, 'reached|main-menu': 4, 'choice|main-menu|2|key': 1 },
      },
      { period: 'today', compare: 'previous' },
    );
    const menu = text.slice(text.indexOf('id="node-main-menu"'), text.indexOf('id="node-username"'));
    expect(menu).toMatch(
      /data-measure="choice-2"[\s\S]*?data-field="calls">5<[\s\S]*?data-field="share">50%<[\s\S]*?data-field="vsCalls">1<[\s\S]*?data-field="vsShare">25%<[\s\S]*?data-field="change">\+25 pts</,
    );
    // The drawing says what each node was in the period compared with.
    expect(text).toMatch(/data-node="main-menu"[\s\S]*?<text class="node-figures"[^>]*>before: reached 4 · left 0%<\/text>/);
    expect(pointsChange(1, 4, 1, 2)).toBe('−25 pts');
    expect(pointsChange(1, 0, 1, 2)).toBe('–');
  });

  test("the line's own steps that had calls follow the flow's nodes, a keyed number shown as such", () => {
    const text = page(portalLogin().flow, {
      [TODAY]: { calls: 1, 'reached|_callback_keyed': 1, 'choice|_callback_keyed|number|key': 1, 'reached|_dial_failed': 0 },
    });
    const last = text.lastIndexOf('id="node-black-screen-ticket"');
    const keyed = text.indexOf('id="node-_callback_keyed"');
    expect(keyed).toBeGreaterThan(last);
    expect(text).not.toContain('id="node-_dial_failed"');
    expect(text.slice(keyed)).toMatch(
      /data-measure="choice-number"\s*>\s*<th scope="row"><span class="key">0–9<\/span> a phone number<\/th>/,
    );
  });

  test('the days where the flow version changed are marked on the chart and in its table', () => {
    const day = (d: string, versions: string[]) => ({
      day: d,
      calls: versions.length,
      solved: 1,
      desk: 0,
      hungUp: 0,
      rescued: 0,
      versions: versions.map((version) => ({ version, calls: 1 })),
    });
    const days = [
      day('2026-12-01', ['a']),
      day('2026-12-02', []),
      day('2026-12-03', ['a']),
      day('2026-12-04', ['b', 'a']),
      day('2026-12-05', ['b']),
    ];
    expect(versionChanges(days)).toEqual([
      { day: '2026-12-04', before: ['a'], after: ['a', 'b'] },
      { day: '2026-12-05', before: ['a', 'b'], after: ['b'] },
    ]);
    const chart = containmentChart(days, 'days', 'Containment').text;
    expect(chart.match(/class="version-change"/g)).toHaveLength(2);
    expect(chart).toMatch(/<tr data-day="2026-12-04"\s+class="changed">/);
    expect(chart).toMatch(/<tr data-day="2026-12-03"\s*>/);
  });
});

describe('the page behind the sign-in', () => {
  let line: TestLine;
  beforeAll(async () => {
    line = await startLine('memory', { DESK_USERS: await deskUsers(), DESK_TIME_ZONE: 'America/Toronto' });
  });
  afterAll(async () => {
    await line.close();
  });

  test('signed out: sent to the sign-in form; signed in: the page, and the desk links to it', async () => {
    const res = await new DeskAgent(line.app).get('/desk/insights?period=7d');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/desk/sign-in');
    const agent = new DeskAgent(line.app);
    await agent.signIn();
    const desk = await agent.get('/desk');
    expect(desk.text).toContain('<a href="/desk/insights" id="insights-link">Flow insights</a>');
    const ok = await agent.get('/desk/insights');
    expect(ok.status).toBe(200);
    expect(ok.headers['content-security-policy']).toContain("script-src 'self'");
    expect(ok.text).toContain('<a href="/desk">Live transfers</a>');
  });

  test('a call shows on the page at once: reached, its choice by key, where it hung up', async () => {
    const agent = new DeskAgent(line.app);
    await agent.signIn();
    const before = await agent.get('/desk/insights?period=today');
    const reachedOf = (text: string) =>
      Number(/id="node-password"[\s\S]*?data-measure="reached"[\s\S]*?data-field="calls">(\d+)</.exec(text)![1]);
    await line.call('2,hangup');
    const after = await agent.get('/desk/insights?period=today');
    expect(reachedOf(after.text)).toBe(reachedOf(before.text) + 1);
  });

  test.each([
    ['period=forever', 'period: must be today, 7d or 30d'],
    ['from=2026-02-30&to=2026-03-01', 'from: is not a day of the calendar'],
    ['period=7d&period=30d', 'period: must be today, 7d or 30d'],
    ['nonsense=1', 'not a field of this page: nonsense'],
  ])('?%s is a 400 page that says why: %s', async (query, reason) => {
    const agent = new DeskAgent(line.app);
    await agent.signIn();
    const res = await agent.get(`/desk/insights?${query}`);
    expect(res.status).toBe(400);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain(`These insights cannot be shown: ${reason}.`);
  });

  test('with INSIGHTS_RETENTION_DAYS=0 the page says nothing is counted, and the desk does not link to it', async () => {
    const off = await startLine('memory', { DESK_USERS: await deskUsers(), INSIGHTS_RETENTION_DAYS: '0' });
    try {
      const agent = new DeskAgent(off.app);
      await agent.signIn();
      expect((await agent.get('/desk')).text).not.toContain('/desk/insights');
      const res = await agent.get('/desk/insights');
      expect(res.status).toBe(200);
      expect(res.text).toContain('This line counts no insights: INSIGHTS_RETENTION_DAYS is 0.');
    } finally {
      await off.close();
    }
  });
});
