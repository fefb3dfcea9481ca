import { FlowRegistry } from '../../src/engine/registry';
import { barsOf, outcomeChart } from '../../src/desk/views/outcome-chart';
import { announcement, dialLine, forReading, groupedReference, transferCardHtml } from '../../src/desk/views/cards';
import { escapeHtml, html } from '../../src/desk/views/html';
import { foldDay, type TransferCard } from '../../src/desk/live/live-messages';
import { retentionWords } from '../../src/desk/views/pages';
import { dayOf } from '../../src/desk/time';
import { labelOf, pathSteps, reasonFor } from '../../src/desk/transfer-facts';

const flows = FlowRegistry.fromDir('call-flows', 'portal-login');
const flow = flows.entry.flow;

describe('the path the call took, in the words of its flow', () => {
  const words = (path: string[], flowId?: string) => pathSteps(flows, flowId, path).map((p) => [p.label, p.left]);

  test('each node with the key that left it, as the flow names it; the node the call is at last', () => {
    expect(words(['main-menu:3', 'mfa-uninstalled-app:2', 'mfa-changed-device:1', 'mfa-reset-new-device'], 'portal-login')).toEqual([
      ['main menu', '3: multi-factor authentication'],
      ['mfa uninstalled app', '2: no'],
      ['mfa changed device', '1: yes'],
      ['mfa reset new device', null],
    ]);
  });

  test("keys that work everywhere, the steps' own keys, silence, a key that is no choice, the desk's dial", () => {
    expect(
      words([
        'main-menu:*',
        'main-menu:4',
        'black-screen-restart:2',
        'black-screen-restart:3',
        'black-screen-refresh:timeout',
        '_quiet:busy',
        '_dial_failed:1',
        '_redial:noAnswer',
        '_dial_failed:key',
        '_desk_unavailable:9',
        'username:0',
        '_bsd_request',
      ]),
    ).toEqual([
      ['main menu', '*: hear it again'],
      ['main menu', '4: black screen or freezing'],
      ['black screen restart', '2: hear the steps again'],
      ['black screen restart', `3: ${(flow.nodes['black-screen-restart'] as { more: { label: string } }).more.label}`],
      ['black screen refresh', 'no key, timed out'],
      ['went quiet during the steps', 'the desk was busy'],
      ['the desk did not answer', '1: try the desk again'],
      ['the desk again', 'nobody at the desk answered'],
      ['the desk did not answer', 'a key that is not a choice'],
      ["the desk's number to call back", '9: main menu'],
      ['username', '0: the desk'],
      ['the desk (0)', null],
    ]);
  });

  test('a card made before steps said how they were left still shows its nodes', () => {
    expect(words(['main-menu', 'username', 'username-ticket'])).toEqual([
      ['main menu', null],
      ['username', null],
      ['username ticket', null],
    ]);
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
  path: ['main-menu:0', '_bsd_request'],
  flowId: 'portal-login',
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
    const evil = transferCardHtml(card({ from: '"><script>x()</script>', notes: ['<img src=x>'] }), 'UTC', flows).text;
    expect(evil).not.toContain('<script>');
    expect(evil).not.toContain('<img');
  });

  test("a dial's outcome replaces only its own words: a redial's attempt count beside them stays", () => {
    const ringing = transferCardHtml(card({ attempt: 2 }), 'UTC', flows).text;
    expect(ringing).toMatch(
      /<dd><span id="dial-CA1" class="dial dial-ringing">Ringing the desk…<\/span> <span class="attempt">\(attempt 2\)<\/span><\/dd>/,
    );
    const ended = dialLine({ callSid: 'CA1', dial: { result: 'busy', at: '2026-11-27T14:03:00.000Z' } }, 'UTC').text;
    // What the live page puts in place of the element with that id: the span, not the line with the attempt.
    expect(ended).toMatch(/^<span id="dial-CA1" class="dial dial-busy">The desk was busy, <time [^>]+>14:03:00<\/time><\/span>$/);
  });

  test("the reference as the caller reads it, numbers readable, times in the desk's time zone", () => {
    expect(forReading('M F A: changed mobile device. Request an M F A reset. Ask I T, or P R S S. A caller, I think.')).toBe(
      'MFA: changed mobile device. Request an MFA reset. Ask IT, or PRSS. A caller, I think.',
    );
    expect(groupedReference('361195')).toBe('361 195');
    expect(dayOf(new Date('2026-11-28T03:00:00Z'), 'America/Toronto')).toBe('2026-11-27');
    expect(dayOf(new Date('2026-11-28T03:00:00Z'), 'UTC')).toBe('2026-11-28');
    expect(transferCardHtml(card(), 'America/Toronto', flows).text).toContain('<time datetime="2026-11-27T14:02:31.000Z">09:02:31</time>');
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
