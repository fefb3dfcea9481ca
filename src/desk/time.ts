/** Days and times on the desk page, in the desk's time zone (DESK_TIME_ZONE). */

const DAY: Intl.DateTimeFormatOptions = { year: 'numeric', month: '2-digit', day: '2-digit' };
const TIME: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' };
const DATE_TIME: Intl.DateTimeFormatOptions = {
  weekday: 'short',
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
};
const LONG_DAY: Intl.DateTimeFormatOptions = { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' };

const formats = new Map<Intl.DateTimeFormatOptions, Map<string, Intl.DateTimeFormat>>();

/**
 * A formatter made once for each of the options above and each zone: making one costs far more than using it, and
 * finding it by the options object and a short key of locale and zone, not by JSON.stringify of the options at each
 * call, keeps it cheap (every desk event dates
 * itself).
 */
function format(options: Intl.DateTimeFormatOptions, timeZone: string, locale = 'en-CA'): Intl.DateTimeFormat {
  let zones = formats.get(options);
  if (zones === undefined) formats.set(options, (zones = new Map()));
  const key = `${locale} ${timeZone}`;
  let f = zones.get(key);
  if (f === undefined) zones.set(key, (f = new Intl.DateTimeFormat(locale, { timeZone, ...options })));
  return f;
}

/** The day `at` falls on in `timeZone`: "2026-11-27". */
export function dayOf(at: Date, timeZone: string): string {
  return format(DAY, timeZone).format(at);
}

/** "14:02:31". */
export function timeOf(iso: string, timeZone: string): string {
  return format(TIME, timeZone).format(new Date(iso));
}

/** "Fri, Nov 27, 2026, 14:02". */
export function dateTimeOf(iso: string, timeZone: string): string {
  return format(DATE_TIME, timeZone, 'en-US').format(new Date(iso));
}

/** "Friday, November 27, 2026". */
export function longDayOf(day: string): string {
  return format(LONG_DAY, 'UTC', 'en-US').format(new Date(`${day}T12:00:00Z`));
}
