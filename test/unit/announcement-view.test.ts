import { NO_WORDINGS } from '../../src/announcement/announcement';
import type { AnnouncementEntry } from '../../src/desk/announcement/announcement-desk';
import { announcementSection } from '../../src/desk/announcement/announcement-view';

const on = (at: string, endsAt: string, text = 'The portal is down.'): AnnouncementEntry => ({
  type: 'announcement',
  action: 'on',
  by: 'alice',
  at,
  text,
  startsAt: at,
  endsAt,
  endGiven: true,
  then: 'menu',
});
const off = (at: string): AnnouncementEntry => ({ type: 'announcement', action: 'off', by: 'bob', at });

/** The section's "Today" lines, as text. */
function today(changes: AnnouncementEntry[], now: string): string[] {
  const view = { current: null, changes, flow: NO_WORDINGS, maxHours: 12, now: Date.parse(now) };
  const html = announcementSection(view, 'UTC', '/desk', 'token').text;
  return [...html.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) =>
    m[1]!
      .replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

test("the day's changes, newest first, with the end of one that ended by itself in its place", () => {
  const changes = [
    off('2026-12-07T15:00:00Z'),
    on('2026-12-07T14:00:00Z', '2026-12-07T16:00:00Z', 'Second.'),
    on('2026-12-07T09:00:00Z', '2026-12-07T11:30:00Z', 'First.'),
  ];
  expect(today(changes, '2026-12-07T17:00:00Z')).toEqual([
    '15:00 bob turned it off',
    '14:00 alice turned it on, to end at 16:00: Second.',
    '11:30 it ended by itself',
    '09:00 alice turned it on, to end at 11:30: First.',
  ]);
});

test('one still on, or replaced before its end, has no end line', () => {
  const changes = [on('2026-12-07T10:00:00Z', '2026-12-07T12:00:00Z', 'New.'), on('2026-12-07T09:00:00Z', '2026-12-07T11:30:00Z', 'Old.')];
  expect(today(changes, '2026-12-07T11:45:00Z').filter((l) => l.includes('ended by itself'))).toEqual([]);
});
