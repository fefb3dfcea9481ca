/** Days and times on the desk page, in the desk's time zone (DESK_TIME_ZONE). */

const formats = new Map<string, Intl.DateTimeFormat>();

/** A formatter made once for each zone, options and locale: making one costs far more than using it. */
function format(timeZone: string, options: Intl.DateTimeFormatOptions, locale = 'en-CA'): Intl.DateTimeFormat {
  const key = `${locale}\n${timeZone}\n${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (f === undefined) formats.set(key, (f = new Intl.DateTimeFormat(locale, { timeZone, ...options })));
  return f;
}

/** The day `at` falls on in `timeZone`: "2026-11-27". */
export function dayOf(at: Date, timeZone: string): string {
  return format(timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** "14:02:31". */
export function timeOf(iso: string, timeZone: string): string {
  return format(timeZone, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

/** "Fri, Nov 27, 2026, 14:02". */
export function dateTimeOf(iso: string, timeZone: string): string {
  return format(
    timeZone,
    { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
    'en-US',
  ).format(new Date(iso));
}

/** "Friday, November 27, 2026". */
export function longDayOf(day: string): string {
  return format('UTC', { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' }, 'en-US').format(new Date(`${day}T12:00:00Z`));
}
