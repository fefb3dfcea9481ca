/**
 * A time zone as callers say it after a time: "8 a.m. Eastern". North American zones by the name people use for
 * them (whether or not the zone keeps daylight-saving time: "Mountain" in Phoenix as in Denver); any other zone by
 * its place: "Europe/Paris" is "Paris time".
 */
const NAMES: Record<string, readonly string[]> = {
  Newfoundland: ['America/St_Johns'],
  Atlantic: ['America/Halifax', 'America/Moncton', 'America/Glace_Bay', 'America/Goose_Bay', 'Atlantic/Bermuda', 'America/Puerto_Rico'],
  Eastern: [
    'America/New_York',
    'America/Toronto',
    'America/Montreal',
    'America/Detroit',
    'America/Nipigon',
    'America/Thunder_Bay',
    'America/Iqaluit',
    'America/Pangnirtung',
    'America/Atikokan',
    'America/Indiana/Indianapolis',
    'America/Indianapolis',
    'America/Indiana/Marengo',
    'America/Indiana/Petersburg',
    'America/Indiana/Vevay',
    'America/Indiana/Vincennes',
    'America/Indiana/Winamac',
    'America/Kentucky/Louisville',
    'America/Louisville',
    'America/Kentucky/Monticello',
    'America/Cancun',
    'US/Eastern',
    'Canada/Eastern',
    'EST5EDT',
  ],
  Central: [
    'America/Chicago',
    'America/Winnipeg',
    'America/Regina',
    'America/Swift_Current',
    'America/Rainy_River',
    'America/Rankin_Inlet',
    'America/Resolute',
    'America/Menominee',
    'America/Indiana/Knox',
    'America/Indiana/Tell_City',
    'America/North_Dakota/Beulah',
    'America/North_Dakota/Center',
    'America/North_Dakota/New_Salem',
    'America/Mexico_City',
    'US/Central',
    'Canada/Central',
    'Canada/Saskatchewan',
    'CST6CDT',
  ],
  Mountain: [
    'America/Denver',
    'America/Edmonton',
    'America/Boise',
    'America/Phoenix',
    'America/Yellowknife',
    'America/Cambridge_Bay',
    'America/Inuvik',
    'America/Creston',
    'America/Dawson_Creek',
    'America/Fort_Nelson',
    'US/Mountain',
    'US/Arizona',
    'Canada/Mountain',
    'MST7MDT',
  ],
  Pacific: ['America/Los_Angeles', 'America/Vancouver', 'America/Tijuana', 'US/Pacific', 'Canada/Pacific', 'PST8PDT'],
  Yukon: ['America/Whitehorse', 'America/Dawson', 'Canada/Yukon'],
  Alaska: ['America/Anchorage', 'America/Juneau', 'America/Sitka', 'America/Nome', 'America/Yakutat', 'America/Metlakatla', 'US/Alaska'],
  Hawaii: ['Pacific/Honolulu', 'US/Hawaii'],
};

const BY_ZONE = new Map(Object.entries(NAMES).flatMap(([name, zones]) => zones.map((zone) => [zone.toLowerCase(), name] as const)));

/** "America/Toronto" -> "Eastern"; "Europe/Paris" -> "Paris time"; "UTC" -> "U T C". */
export function zoneWords(zone: string): string {
  const known = BY_ZONE.get(zone.toLowerCase());
  if (known !== undefined) return known;
  if (/^(Etc\/)?(UTC|GMT|UCT|Zulu|Universal)$/i.test(zone)) return 'U T C';
  const place = zone.split('/').at(-1)!.replace(/_/g, ' ');
  return `${place} time`;
}
