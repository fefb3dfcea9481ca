import { loadConfig } from '../../src/common/config';
import { LineError } from '../../src/common/errors';
import { isOpen, nextOpening, openingWords, type DeskHours } from '../../src/common/hours';

/** The desk's hours as BSD_HOURS, BSD_TIMEZONE and BSD_CLOSED_DATES give them, read by the configuration. */
function hours(spec: string, zone: string, closed?: string): DeskHours {
  const config = loadConfig({ BSD_HOURS: spec, BSD_TIMEZONE: zone, ...(closed === undefined ? {} : { BSD_CLOSED_DATES: closed }) });
  return config.deskHours!;
}

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(LineError);
    return (error as Error).message;
  }
  throw new Error('loadConfig accepted the environment');
}

const toronto = hours('Mon-Thu 08:00-17:00,Fri 08:00-16:30', 'America/Toronto');
const at = (iso: string) => new Date(iso);
const next = (h: DeskHours, iso: string) => nextOpening(h, at(iso))?.toISOString();

describe('office hours', () => {
  test('unset hours: always open (no deskHours in the configuration)', () => {
    expect(loadConfig({}).deskHours).toBeUndefined();
  });

  test('open within a range, closed before, at and after its end; Friday closes at 16:30', () => {
    // 2026-03-10 is a Tuesday; Toronto is on EDT (UTC-4) then.
    expect(isOpen(toronto, at('2026-03-10T11:59:00Z'))).toBe(false); // 07:59
    expect(isOpen(toronto, at('2026-03-10T12:00:00Z'))).toBe(true); // 08:00
    expect(isOpen(toronto, at('2026-03-10T20:59:00Z'))).toBe(true); // 16:59
    expect(isOpen(toronto, at('2026-03-10T21:00:00Z'))).toBe(false); // 17:00
    expect(isOpen(toronto, at('2026-03-13T20:29:00Z'))).toBe(true); // Fri 16:29
    expect(isOpen(toronto, at('2026-03-13T20:30:00Z'))).toBe(false); // Fri 16:30
    expect(isOpen(toronto, at('2026-03-14T15:00:00Z'))).toBe(false); // Saturday
  });

  test('spring forward (America/Toronto, Sunday 2026-03-08): Friday on EST, Monday opens at 08:00 EDT', () => {
    // Friday 2026-03-06 16:45 EST = 21:45Z; Monday 08:00 EDT = 12:00Z (13:00Z if the offset were kept from Friday).
    expect(isOpen(toronto, at('2026-03-06T21:15:00Z'))).toBe(true); // 16:15 EST
    expect(next(toronto, '2026-03-06T21:45:00Z')).toBe('2026-03-09T12:00:00.000Z');
    expect(openingWords('America/Toronto', at('2026-03-06T21:45:00Z'), at('2026-03-09T12:00:00Z'))).toBe('Monday at 8 a.m. Eastern');
    expect(isOpen(toronto, at('2026-03-09T11:30:00Z'))).toBe(false); // 07:30 EDT
    expect(isOpen(toronto, at('2026-03-09T12:30:00Z'))).toBe(true); // 08:30 EDT
  });

  test('fall back (America/Toronto, Sunday 2026-11-01): Friday on EDT, Monday opens at 08:00 EST', () => {
    expect(next(toronto, '2026-10-30T21:00:00Z')).toBe('2026-11-02T13:00:00.000Z');
    expect(isOpen(toronto, at('2026-11-02T12:30:00Z'))).toBe(false); // 07:30 EST
    expect(isOpen(toronto, at('2026-11-02T13:00:00Z'))).toBe(true);
  });

  test('a range opening in the hour the clocks skip opens when the clocks reach it', () => {
    const sunday = hours('Sun 02:30-05:00', 'America/Toronto');
    // Saturday 2026-03-07 noon; 02:30 does not exist on the 8th: it opens at 03:30 EDT = 07:30Z.
    expect(next(sunday, '2026-03-07T17:00:00Z')).toBe('2026-03-08T07:30:00.000Z');
  });

  test('a European zone: Europe/Paris across its own change (Sunday 2026-03-29)', () => {
    const paris = hours('Mon-Fri 09:00-17:00', 'Europe/Paris');
    // Friday 2026-03-27 18:00 CET = 17:00Z; Monday 09:00 CEST = 07:00Z.
    expect(next(paris, '2026-03-27T17:00:00Z')).toBe('2026-03-30T07:00:00.000Z');
    expect(isOpen(paris, at('2026-03-30T06:59:00Z'))).toBe(false);
    expect(isOpen(paris, at('2026-03-30T07:00:00Z'))).toBe(true);
  });

  test('closed dates: closed all day, and the next opening skips them', () => {
    const holidays = hours('Mon-Fri 08:00-17:00', 'America/Toronto', '2026-12-21,2026-12-22,2026-12-23,2026-12-24,2026-12-25');
    expect(isOpen(holidays, at('2026-12-21T15:00:00Z'))).toBe(false); // Monday 10:00 EST, a closed date
    // Friday 2026-12-18 after 17:00: the next opening is Monday 2026-12-28, ten days on.
    const now = at('2026-12-18T23:00:00Z');
    const opening = nextOpening(holidays, now)!;
    expect(opening.toISOString()).toBe('2026-12-28T13:00:00.000Z');
    expect(openingWords('America/Toronto', now, opening)).toBe('on December 28 at 8 a.m. Eastern');
  });

  test('words: later today, tomorrow, a weekday within the week, minutes and the afternoon', () => {
    const z = 'America/Toronto';
    expect(openingWords(z, at('2026-03-10T10:00:00Z'), at('2026-03-10T12:00:00Z'))).toBe('later today at 8 a.m. Eastern');
    expect(openingWords(z, at('2026-03-10T22:00:00Z'), at('2026-03-11T12:00:00Z'))).toBe('tomorrow at 8 a.m. Eastern');
    expect(openingWords(z, at('2026-03-10T22:00:00Z'), at('2026-03-11T12:30:00Z'))).toBe('tomorrow at 8:30 a.m. Eastern');
    expect(openingWords(z, at('2026-03-10T22:00:00Z'), at('2026-03-11T17:00:00Z'))).toBe('tomorrow at 1 p.m. Eastern');
    // Just before midnight local time, though already the next day in UTC.
    expect(openingWords(z, at('2026-03-11T03:30:00Z'), at('2026-03-11T12:00:00Z'))).toBe('tomorrow at 8 a.m. Eastern');
  });

  test('the time zone as callers say it: the North American zones by name, others by their place', () => {
    const opens = (zone: string) =>
      openingWords(zone, at('2026-03-10T22:00:00Z'), at('2026-03-11T16:00:00Z')).replace(/^.* at [^ ]+ [ap]\.m\. /, '');
    expect(opens('America/Toronto')).toBe('Eastern');
    expect(opens('America/New_York')).toBe('Eastern');
    expect(opens('America/Winnipeg')).toBe('Central');
    expect(opens('America/Regina')).toBe('Central');
    expect(opens('America/Edmonton')).toBe('Mountain');
    expect(opens('America/Phoenix')).toBe('Mountain');
    expect(opens('America/Vancouver')).toBe('Pacific');
    expect(opens('America/Halifax')).toBe('Atlantic');
    expect(opens('America/St_Johns')).toBe('Newfoundland');
    expect(opens('America/Whitehorse')).toBe('Yukon');
    expect(opens('America/Anchorage')).toBe('Alaska');
    expect(opens('Pacific/Honolulu')).toBe('Hawaii');
    expect(opens('Europe/Paris')).toBe('Paris time');
    expect(opens('America/Argentina/Buenos_Aires')).toBe('Buenos Aires time');
    expect(opens('UTC')).toBe('U T C');
    // The hour is the desk's own: 16:00Z is noon in Toronto, 9 a.m. in Vancouver.
    expect(openingWords('America/Vancouver', at('2026-03-10T22:00:00Z'), at('2026-03-11T16:00:00Z'))).toBe('tomorrow at 9 a.m. Pacific');
  });

  test('bad values stop start-up with one readable error', () => {
    expect(configError({ BSD_HOURS: 'Mon-Fri 08:00-17:00' })).toMatch(/BSD_TIMEZONE: is required with BSD_HOURS/);
    const message = configError({
      BSD_HOURS: 'Mon-Fri 8-5,Fri-Mon 08:00-17:00,Tue 17:00-08:00',
      BSD_TIMEZONE: 'Mars/Olympus',
      BSD_CLOSED_DATES: '2026-02-30,25/12/2026',
    });
    expect(message).toMatch(/BSD_HOURS: entry 1 \('Mon-Fri 8-5'\) must be a day or days and a time range/);
    expect(message).toMatch(/BSD_HOURS: entry 2 .* in week order/);
    expect(message).toMatch(/BSD_HOURS: entry 3 .* must close after it opens/);
    expect(message).toMatch(/BSD_TIMEZONE: must be an IANA time zone/);
    expect(message).toMatch(/BSD_CLOSED_DATES: '2026-02-30' must be a date/);
    expect(message).toMatch(/BSD_CLOSED_DATES: '25\/12\/2026' must be a date/);
    expect(configError({ BSD_CLOSED_DATES: '2026-12-25' })).toMatch(/BSD_CLOSED_DATES: has no effect without BSD_HOURS/);
  });
});
