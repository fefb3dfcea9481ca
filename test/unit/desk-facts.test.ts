import { FlowRegistry } from '../../src/engine/registry';
import { barsOf, outcomeChart } from '../../src/desk/outcome-chart';
import { announcement, forReading, groupedReference, readableNumber, transferCardHtml } from '../../src/desk/cards';
import { escapeHtml, html } from '../../src/desk/html';
import { foldDay, type TransferCard } from '../../src/desk/live-messages';
import { retentionWords } from '../../src/desk/pages';
import { dayOf } from '../../src/desk/time';
import { labelOf, pathThrough, reasonFor } from '../../src/desk/transfer-facts';

const flows = FlowRegistry.fromDir('call-flows', 'portal-login');
const flow = flows.entry.flow;

describe('the path through the flow, rebuilt from what the caller told the line', () => {
  test.each([
    [
      ['Problem: multi-factor authentication', 'Uninstalled the authenticator app: no', 'Changed mobile device: yes'],
      'mfa-reset-new-device',
      ['main-menu', 'mfa-uninstalled-app', 'mfa-changed-device', 'mfa-reset-new-device'],
    ],
    [
      ['Problem: username', 'Entered the email address used at account set-up: not sure'],
      'username-verification',
      ['main-menu', 'username', 'username-verification'],
    ],
    // Instructions whose "if the problem persists" key adds a note.
    [
      [
        'Problem: black screen or freezing',
        'Restarted the computer and tried again: the problem persists',
        'Waited a few minutes and refreshed the browser: still unable to log in',
        'Checked with their I T support: not an internal issue',
      ],
      'black-screen-ticket',
      ['main-menu', 'black-screen-restart', 'black-screen-refresh', 'black-screen-it-support', 'black-screen-ticket'],
    ],
    // Straight to the desk from the main menu.
    [[], '_bsd_request', ['main-menu', '_bsd_request']],
    // Back to the main menu with 9, then another problem.
    [
      ['Problem: password', 'Problem: username', 'Entered the email address used at account set-up: yes'],
      'username-ticket',
      ['main-menu', 'password', 'main-menu', 'username', 'username-ticket'],
    ],
    // Pressed 0 in the middle of the questions.
    [['Problem: multi-factor authentication'], '_bsd_request', ['main-menu', 'mfa-uninstalled-app', '_bsd_request']],
    // A key that adds no note: solved, from the steps, to the goodbye.
    [['Problem: password'], 'goodbye', ['main-menu', 'password', 'goodbye']],
    // Answered by voice and by key: how does not change the path.
    [
      [
        'Problem: multi-factor authentication (said authentication, confidence 0.42, confirmed)',
        'Uninstalled the authenticator app: no (pressed 2)',
        'Changed mobile device: yes (said yes, confidence 0.93)',
      ],
      'mfa-reset-new-device',
      ['main-menu', 'mfa-uninstalled-app', 'mfa-changed-device', 'mfa-reset-new-device'],
    ],
    // The oldest notes were dropped: the path starts again where the first kept note was made.
    [['Changed mobile device: yes'], 'mfa-reset-new-device', ['main-menu', 'mfa-changed-device', 'mfa-reset-new-device']],
  ])('%j to %s', (history, end, path) => {
    expect(pathThrough(flow, history, end)).toEqual(path);
  });
});

describe('the reason of a transfer', () => {
  test("a transfer node says its own reason; the line's transfers and the rescue theirs", () => {
    expect(reasonFor(flows, { kind: 'flow', flowId: 'portal-login', state: 'mfa-none-apply', redial: false }, '123456')).toEqual({
      id: 'mfa-none-apply',
      text: (flow.nodes['mfa-none-apply'] as { reason: string }).reason,
    });
    expect(reasonFor(flows, { kind: 'flow', flowId: 'portal-login', state: '_bsd_request', redial: true }, '1')).toEqual({
      id: '_bsd_request',
      text: flow.system.bsdRequest.reason,
    });
    expect(reasonFor(flows, { kind: 'rescue', why: 'technicalProblem' }, '1').id).toBe('technical-problem');
    expect(reasonFor(flows, { kind: 'rescue', why: 'stateLost' }, '1').text).toContain('lost the caller');
    // A flow that is gone: the line lost its place.
    expect(reasonFor(flows, { kind: 'flow', flowId: 'gone', state: 'gone-node', redial: false }, '1').id).toBe('state-lost');
  });

  test("labels: a node id in words, the line's own states by name", () => {
    expect(labelOf('mfa-reset-new-device')).toBe('mfa reset new device');
    expect(labelOf('_keypad_trouble')).toBe('trouble with the keypad');
    expect(labelOf('state-lost')).toBe('the line lost its place');
  });
});

const card = (over: Partial<TransferCard> = {}): TransferCard => ({
  callSid: 'CA1',
  reference: '361195',
  at: '2026-11-27T14:02:31.000Z',
  reasonId: '_bsd_request',
  reason: 'The caller asked for the desk.',
  notes: [],
  path: ['main-menu', '_bsd_request'],
  from: '+15555550123',
  attempt: 1,
  dial: null,
  ...over,
});

describe("a day's events folded into cards", () => {
  const transfer = (c: TransferCard) => JSON.stringify({ type: 'transfer', card: c });
  const dial = (callSid: string, result: string) =>
    JSON.stringify({ type: 'dial', callSid, dial: { result, at: '2026-11-27T14:03:00.000Z' } });

  test('one card per call, most recent transfer first; a redial counts an attempt and rings again', () => {
    // Stored newest first.
    const events = [
      transfer(card({ callSid: 'CA1', at: '2026-11-27T14:05:00.000Z' })),
      dial('CA2', 'answered'),
      transfer(card({ callSid: 'CA2', at: '2026-11-27T14:04:00.000Z' })),
      dial('CA1', 'busy'),
      transfer(card({ callSid: 'CA1', at: '2026-11-27T14:02:00.000Z' })),
      dial('CA9', 'busy'),
      'not json',
      JSON.stringify({ type: 'transfer', card: { callSid: 'CA3' } }),
    ];
    expect(foldDay(events)).toEqual([
      card({ callSid: 'CA1', at: '2026-11-27T14:05:00.000Z', attempt: 2, dial: null }),
      card({ callSid: 'CA2', at: '2026-11-27T14:04:00.000Z', dial: { result: 'answered', at: '2026-11-27T14:03:00.000Z' } }),
    ]);
  });
});

describe('what the page shows', () => {
  test('every value is escaped: a caller number or a flow text cannot inject markup', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;');
    expect(html`<p title="${'"><img src=x onerror=alert(1)>'}">${['<b>', html`<i>ok</i>`]}</p>`.text).toBe(
      '<p title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">&lt;b&gt;<i>ok</i></p>',
    );
    const evil = transferCardHtml(card({ from: '"><script>x()</script>', notes: ['<img src=x>'] }), 'UTC').text;
    expect(evil).not.toContain('<script>');
    expect(evil).not.toContain('<img');
  });

  test("the reference as the caller reads it, numbers readable, times in the desk's time zone", () => {
    expect(forReading('M F A: changed mobile device. Request an M F A reset. Ask I T, or P R S S. A caller, I think.')).toBe(
      'MFA: changed mobile device. Request an MFA reset. Ask IT, or PRSS. A caller, I think.',
    );
    expect(groupedReference('361195')).toBe('361 195');
    expect(readableNumber('+15555550123')).toBe('+1 555 555 0123');
    expect(readableNumber('+442079460000')).toBe('+442079460000');
    expect(dayOf(new Date('2026-11-28T03:00:00Z'), 'America/Toronto')).toBe('2026-11-27');
    expect(dayOf(new Date('2026-11-28T03:00:00Z'), 'UTC')).toBe('2026-11-28');
    expect(transferCardHtml(card(), 'America/Toronto').text).toContain('<time datetime="2026-11-27T14:02:31.000Z">09:02:31</time>');
    expect(announcement(card({ attempt: 2 }))).toBe('New transfer: reference 361 195, asked for the desk (0), dialling again.');
    expect(retentionWords(604800)).toBe('7 days');
    expect(retentionWords(3600 * 36)).toBe('36 hours');
    expect(retentionWords(0)).toBeNull();
  });

  test("the day's picture: solved, each reason of transfer (most first), hung up; zero bars still labelled", () => {
    expect(barsOf({ 'transferred:username-ticket': 1, solved: 4, 'transferred:_bsd_request': 3 }).map((b) => [b.label, b.count])).toEqual([
      ['Solved by self-service', 4],
      ['Transferred: asked for the desk (0)', 3],
      ['Transferred: username ticket', 1],
      ['Hung up mid-way', 0],
    ]);
    const svg = outcomeChart({ solved: 2, 'transferred:_quiet': 1 }).text;
    expect(svg).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="chart-title chart-desc"/);
    expect(svg).toContain('Solved by self-service: 2. Transferred: went quiet during the steps: 1. Hung up mid-way: 0.');
    expect(svg).toMatch(/<caption>\s*Today's outcomes\s*<\/caption>/);
    expect(svg).toContain('3 calls today; 1 transferred to the desk.');
  });
});
