import { z } from 'zod';
import { parsePhoneNumberFromString, isSupportedCountry, type CountryCode, type NumberType, type PhoneNumber } from 'libphonenumber-js/max';

/**
 * Phone numbers as the line uses them, in one place, on libphonenumber-js with its full ("max") metadata, which
 * knows each range's type (premium rate, shared cost, toll free, VoIP, personal, UAN, pager…) and region:
 * - `E164` and `e164` are the shape of a number written down (settings, stored callbacks, command-line options);
 * - `parseE164` reads a number Twilio sent (From, To) or a setting: only an exact E.164 string is a number;
 * - `keyedNumber` reads the 10 digits a caller keyed for a callback (North American, area code first);
 * - `phoneFits` and `keyedFits` say whether a number is one a physician's phone can be (texts and callbacks cost
 *   money per use);
 * - `numberPrefix` groups numbers by range (country and area code) for the per-range caps;
 * - `spokenPhoneNumber` is how the line says a number, digit by digit;
 * - `writtenPhoneNumber` is how a text message writes it;
 * - `shownNumber` is how the desk page shows a number, and the only source of its `tel:` link;
 * - `maskedNumber` is how a log shows it.
 */

/** A number in E.164: "+", a country code that does not start with 0, 7 to 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;

/** A setting or a stored value that must be a number in E.164 ("+18006052965"). */
export const e164 = z.string().regex(E164, 'must be an E.164 phone number such as +18006052965');

/** The 10 digits of a North American number, area code first: neither the area code nor the exchange starts with 0 or 1. */
export const NORTH_AMERICAN_DIGITS = /^[2-9]\d{2}[2-9]\d{6}$/;

/** A parsed number: its E.164 form and what the metadata knows of it. */
export interface Phone {
  e164: string;
  /** The region (ISO 3166 alpha-2), undefined when the number is not valid anywhere. */
  country: CountryCode | undefined;
  valid: boolean;
  type: NumberType;
  parsed: PhoneNumber;
}

/**
 * A number given as E.164 ("+12045550123") and nothing else: no spaces, no text around it, no direction marks or
 * control characters. libphonenumber-js finds a number inside free text ("call +1 204…"), so the parse must give back
 * exactly what came in. Undefined for anything else ("anonymous", "client:alice", "+1\u202E2045550123").
 */
export function parseE164(raw: string | undefined | null): Phone | undefined {
  if (typeof raw !== 'string' || !E164.test(raw)) return undefined;
  const parsed = parsePhoneNumberFromString(raw);
  if (parsed === undefined || parsed.number !== raw || !parsed.isPossible()) return undefined;
  const valid = parsed.isValid();
  return { e164: parsed.number, country: valid ? parsed.country : undefined, valid, type: parsed.getType(), parsed };
}

/** A callback number keyed by the caller: 10 digits, North American, area code first ("2045550123"). */
export function keyedNumber(digits: string): Phone | undefined {
  return /^\d{10}$/.test(digits) ? parseE164(`+1${digits}`) : undefined;
}

/** The types of line a physician's phone can be: a landline or a mobile. Premium, toll free, VoIP, pager… are not. */
const PHONE_TYPES: ReadonlySet<NumberType> = new Set<NumberType>(['FIXED_LINE', 'MOBILE', 'FIXED_LINE_OR_MOBILE']);

/** What a number must be for the line to text it or call it back. */
export interface PhoneRules {
  /** The regions allowed (ISO 3166 alpha-2: US, CA). */
  countries: ReadonlySet<string>;
  /** Numbers never used: the line's own (the call's To, the texts' sender) and the desk's. */
  own: readonly (string | undefined)[];
}

/** Why a number does not fit: not a number, not valid, outside the allowed regions, not a phone line, the line's own. */
export type Unfit = 'not-a-number' | 'invalid' | 'country' | 'type' | 'own';

export type Fit = { ok: true; phone: Phone } | { ok: false; why: Unfit };

/** Whether `number` (E.164, or a parsed Phone) is one a physician's phone can be, under `rules`. */
export function phoneFits(number: string | Phone | undefined, rules: PhoneRules): Fit {
  const phone = typeof number === 'string' || number === undefined ? parseE164(number) : number;
  if (phone === undefined) return { ok: false, why: 'not-a-number' };
  if (!phone.valid || phone.country === undefined) return { ok: false, why: 'invalid' };
  if (!rules.countries.has(phone.country)) return { ok: false, why: 'country' };
  if (phone.type === undefined || !PHONE_TYPES.has(phone.type)) return { ok: false, why: 'type' };
  if (rules.own.some((own) => own !== undefined && own === phone.e164)) return { ok: false, why: 'own' };
  return { ok: true, phone };
}

/** Whether the 10 digits a caller keyed (area code first) are a number a physician's phone can be, under `rules`. */
export function keyedFits(digits: string, rules: PhoneRules): Fit {
  const phone = keyedNumber(digits);
  return phone === undefined ? { ok: false, why: 'not-a-number' } : phoneFits(phone, rules);
}

/** A setting's list of regions: "US,CA" -> {US, CA}; throws on a code libphonenumber-js does not know. */
export function countryList(text: string): Set<string> {
  const codes = text
    .split(',')
    .map((c) => c.trim().toUpperCase())
    .filter((c) => c !== '');
  for (const code of codes) if (!isSupportedCountry(code)) throw new Error(`unknown country code '${code}'`);
  return new Set(codes);
}

/**
 * The range a number belongs to, for the per-range caps: the country code and the first three digits of the
 * national number ("+1204" for +12045550123: the area code in North America).
 */
export function numberPrefix(phone: Phone): string {
  return `+${phone.parsed.countryCallingCode}${phone.parsed.nationalNumber.slice(0, 3)}`;
}

/** How the desk page shows a number: its text, and its `tel:` target; `tel` undefined when it is not a number. */
export interface ShownNumber {
  text: string;
  tel: string | undefined;
}

export const UNKNOWN_NUMBER = 'unknown number';

/**
 * A number as the desk page shows it: North American numbers as dialled there ("(204) 555-0123"), others in
 * international format ("+44 121 234 5678"); the link dials the parsed E.164. Anything that is not exactly a
 * number (text, direction marks, control characters) is "unknown number", with no link.
 */
export function shownNumber(raw: string | null | undefined): ShownNumber {
  const phone = parseE164(raw);
  if (phone === undefined) return { text: UNKNOWN_NUMBER, tel: undefined };
  const text = phone.parsed.countryCallingCode === '1' ? phone.parsed.formatNational() : phone.parsed.formatInternational();
  return { text, tel: `tel:${phone.e164}` };
}

/** "+18006052965" -> "1, 8 0 0, 6 0 5, 2 9 6 5": spoken digit by digit, grouped as people say them. */
export function spokenPhoneNumber(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  const groups =
    digits.length === 11 && digits.startsWith('1')
      ? [digits.slice(0, 1), digits.slice(1, 4), digits.slice(4, 7), digits.slice(7)]
      : digits.length === 10
        ? [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6)]
        : [digits];
  return groups.map((g) => g.split('').join(' ')).join(', ');
}

/** "+18006052965" -> "1-800-605-2965", as a text message writes it; other numbers as given. */
export function writtenPhoneNumber(e164: string): string {
  const d = e164.replace(/\D/g, '');
  if (d.length === 11 && d.startsWith('1')) return `1-${d.slice(1, 4)}-${d.slice(4, 7)}-${d.slice(7)}`;
  return e164;
}

/** "+18006052965" -> "+1******2965", as a log shows a number: enough to tell calls apart, not enough to call anyone back. */
export function maskedNumber(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return value;
  const digits = value.replace(/\D/g, '');
  if (digits.length < 5) return '*'.repeat(value.length);
  const kept = value.startsWith('+1') ? 1 : 0; // the North American country code says little about the caller
  return `${value.startsWith('+') ? '+' : ''}${digits.slice(0, kept)}${'*'.repeat(digits.length - kept - 4)}${digits.slice(-4)}`;
}
