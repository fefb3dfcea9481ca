import { followUpList, followUpWords } from '../../src/desk/views/follow-up-lines';
import { foldDay, type LiveMessage, type TransferCard } from '../../src/desk/live/live-messages';

/** Follow-ups on a day's cards: in their latest state, kept through a redial, and those asked before the transfer. */

const SID = `CA${'1'.repeat(32)}`;
const card: TransferCard = {
  callSid: SID,
  reference: '123456',
  at: '2026-12-05T15:00:00.000Z',
  reasonId: 'bsd-request',
  reason: 'asked for the desk',
  notes: [],
  path: [],
  from: '+12045550123',
  attempt: 1,
  dial: null,
};
const at = (s: number) => `2026-12-05T15:00:${String(s).padStart(2, '0')}.000Z`;
const followUp = (id: string, kind: 'text' | 'callback', state: string, s: number, code?: number): string =>
  JSON.stringify({ type: 'follow-up', callSid: SID, followUp: { id, kind, state, at: at(s), ...(code && { code }) } } as LiveMessage);
const transfer = JSON.stringify({ type: 'transfer', card } satisfies LiveMessage);

test('a day folds follow-ups onto their card, each in its latest state, those asked before the transfer too', () => {
  // Newest first, as the day's list keeps them.
  const events = [
    followUp('text:desk', 'text', 'failed', 9, 30006),
    followUp('callback', 'callback', 'booked', 8),
    transfer, // a redial: the follow-ups stay on the card
    followUp('text:desk', 'text', 'sent', 6),
    followUp('text:desk', 'text', 'asked', 5),
    transfer,
    followUp('text:steps:password-reset', 'text', 'asked', 2),
  ];
  const [folded] = foldDay(events);
  expect(folded!.attempt).toBe(2);
  expect(folded!.followUps!.map((f) => [f.id, f.state, f.code])).toEqual([
    ['text:steps:password-reset', 'asked', undefined],
    ['text:desk', 'failed', 30006],
    ['callback', 'booked', undefined],
  ]);
  const shown = followUpList(folded!, 'America/Toronto').text;
  expect(shown).not.toContain(' hidden');
  expect(shown).toContain('Callback booked');
  expect(shown).toContain('not delivered, error 30006 (landline or unreachable carrier)');
  expect(shown).toContain('the steps for password reset');
});

test('a card without follow-ups has their place, hidden; every state reads as words', () => {
  expect(followUpList(card, 'UTC').text).toContain(`id="follow-ups-${SID}" class="follow-ups" hidden`);
  for (const state of ['asked', 'sent', 'delivered', 'failed', 'refused', 'unknown'] as const)
    expect(followUpWords({ id: 'text:desk', kind: 'text', state, at: at(1) })).toMatch(/^Text \(the desk's number and hours\): \w/);
  expect(followUpWords({ id: 'callback', kind: 'callback', state: 'failed', at: at(1) })).toBe('Callback asked for: could not be booked');
});
