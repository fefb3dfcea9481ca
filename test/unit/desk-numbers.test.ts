import type { CallbackRecord } from '../../src/requests/callbacks/callback-store';
import { callbackList } from '../../src/desk/views/callback-list';
import { transferCardHtml } from '../../src/desk/views/cards';
import type { TransferCard } from '../../src/desk/live/live-messages';
import { FlowRegistry } from '../../src/engine/registry';

/**
 * A caller's number on the desk page is shown only as parsed and formatted, and its link dials the parsed number:
 * a `From` with a right-to-left override must not show one number and dial another.
 */

const flows = FlowRegistry.fromDir('call-flows', 'portal-login');

const card = (from: string | null): TransferCard => ({
  callSid: 'CA1',
  reference: '361195',
  at: '2026-11-27T14:02:31.000Z',
  reasonId: '_bsd_request',
  reason: 'The caller asked for the desk.',
  notes: [],
  path: ['main-menu:0', '_bsd_request'],
  flowId: 'portal-login',
  from,
  attempt: 1,
  dial: null,
});

const callback = (number: string): CallbackRecord => ({
  id: 'CA2',
  reference: '123456',
  reason: 'The caller asked for the desk.',
  told: [],
  number,
  numberFrom: 'calling',
  askedAt: Date.parse('2026-11-27T14:02:31.000Z'),
  status: 'open',
  claimedBy: null,
  closedAt: null,
});

/** Every number part of the HTML: the links and what the number's place says. */
const shown = (htmlText: string) => ({
  links: [...htmlText.matchAll(/href="(tel:[^"]*)"/g)].map((m) => m[1]),
  unknown: htmlText.includes('unknown number'),
});

const SPOOFED = [
  ['a right-to-left override', '+1\u202E3210555402'],
  ['an override after a real number', '+12045550123\u202E9876'],
  ['free text', "Caller's number"],
  ['a control character', '+12045550123\u0007'],
  ['markup', '<b>+12045550123</b>'],
];

describe.each(SPOOFED)('a From with %s', (_, from) => {
  test('shows as "unknown number" with no link on a transfer card', () => {
    const text = transferCardHtml(card(from), 'America/Toronto', flows).text;
    expect(shown(text)).toEqual({ links: [], unknown: true });
    expect(text).not.toContain('\u202E');
    expect(text).not.toContain('\u0007');
  });

  test('shows as "unknown number" with no link on a callback', () => {
    const text = callbackList([callback(from)], '/desk', 'America/Toronto').text;
    expect(shown(text)).toEqual({ links: [], unknown: true });
  });
});

test('a number is shown formatted, its link the parsed E.164', () => {
  const text = transferCardHtml(card('+12045550123'), 'America/Toronto', flows).text;
  expect(shown(text)).toEqual({ links: ['tel:+12045550123'], unknown: false });
  expect(text).toContain('<a href="tel:+12045550123">(204) 555-0123</a>');
  expect(callbackList([callback('+442079460000')], '/desk', 'America/Toronto').text).toContain(
    '<a href="tel:+442079460000">+44 20 7946 0000</a>',
  );
  // No number given at all says so.
  expect(transferCardHtml(card(null), 'America/Toronto', flows).text).toContain('not given');
});
