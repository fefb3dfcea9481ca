import {
  countryList,
  E164,
  e164,
  keyedFits,
  keyedNumber,
  maskedNumber,
  numberPrefix,
  parseE164,
  phoneFits,
  shownNumber,
  spokenPhoneNumber,
  writtenPhoneNumber,
  type PhoneRules,
} from '../../src/common/phone';
import { DEFAULT_BSD_NUMBER } from '../../src/common/config';

/** The numbers a physician's phone can be: what texts and callbacks (which cost money per use) may go to. */

const LINE = '+12045550100';
const RULES: PhoneRules = { countries: new Set(['US', 'CA']), own: [LINE, DEFAULT_BSD_NUMBER] };

describe('a number a physician’s phone can be', () => {
  test.each([
    ['a Canadian number (Winnipeg)', '+12045550123'],
    ['a Canadian number (Ottawa)', '+16135550199'],
    ['a US number (New York)', '+12125550123'],
    ['a US number (California)', '+16502530000'],
  ])('%s is accepted', (_, number) => {
    const fit = phoneFits(number, RULES);
    expect(fit).toMatchObject({ ok: true, phone: { e164: number } });
  });

  test.each([
    ['+882… (international networks, premium)', '+882130000000', 'invalid'],
    ['+88213… (the pumping range seen)', '+88213123456', 'invalid'],
    ['+234… (Nigeria, mobile)', '+2348031234567', 'country'],
    ['+372… (Estonia, mobile)', '+3725123456', 'country'],
    ['1-900 (premium rate)', '+19005551234', 'type'],
    ['1-976 (premium, not valid in the plan)', '+19765551234', 'invalid'],
    ['809 (the Dominican Republic, billed as international)', '+18095551234', 'country'],
    ['1-800 (toll free)', '+18005551234', 'type'],
    ['500 (personal number)', '+15005550006', 'type'],
    ['555 (not in service)', '+15555550123', 'invalid'],
    ['the line’s own number', LINE, 'own'],
    ['the desk’s own number', DEFAULT_BSD_NUMBER, 'type'],
    ['a withheld caller', 'anonymous', 'not-a-number'],
    ['a SIP client', 'client:alice', 'not-a-number'],
    ['no number', undefined, 'not-a-number'],
  ])('%s is refused', (_, number, why) => {
    expect(phoneFits(number, RULES)).toEqual({ ok: false, why });
  });

  test('the desk’s own number is refused as such even where its type would do', () => {
    expect(phoneFits('+12045550199', { ...RULES, own: ['+12045550199'] })).toEqual({ ok: false, why: 'own' });
  });

  test.each([
    ['9005551234', 'type'],
    ['9765551234', 'invalid'],
    ['8095551234', 'country'],
    ['0000000000', 'invalid'],
    ['0123456789', 'invalid'],
  ])('keyed %s is refused', (digits, why) => {
    expect(phoneFits(keyedNumber(digits), RULES)).toEqual({ ok: false, why });
    expect(keyedFits(digits, RULES)).toEqual({ ok: false, why });
  });

  test.each([
    ['nine digits', '204555012'],
    ['eleven digits', '12045550123'],
    ['a star', '204555012*'],
    ['nothing', ''],
  ])('keyed %s is not a number', (_, digits) => {
    expect(keyedFits(digits, RULES)).toEqual({ ok: false, why: 'not-a-number' });
  });

  test('a keyed number the desk may call fits, in E.164; the line’s own does not', () => {
    expect(keyedFits('6135550199', RULES)).toMatchObject({ ok: true, phone: { e164: '+16135550199', country: 'CA' } });
    expect(keyedFits('2045550100', RULES)).toEqual({ ok: false, why: 'own' });
  });

  test('keyed numbers are 10 digits, area code first', () => {
    expect(keyedNumber('2045550123')?.e164).toBe('+12045550123');
    expect(keyedNumber('204555012')).toBeUndefined();
    expect(keyedNumber('12045550123')).toBeUndefined();
    expect(phoneFits(keyedNumber('6135550199'), RULES).ok).toBe(true);
  });

  test('the regions are a setting', () => {
    expect(phoneFits('+3725123456', { ...RULES, countries: countryList('US, ca,EE') }).ok).toBe(true);
    expect(() => countryList('US,XX')).toThrow("unknown country code 'XX'");
  });

  test('a range is the country code and the first three digits', () => {
    expect(numberPrefix(parseE164('+12045550123')!)).toBe('+1204');
    expect(numberPrefix(parseE164('+3725123456')!)).toBe('+372512');
  });
});

describe('a number as the desk page shows it', () => {
  test('parsed and formatted, the link dialling the parsed number', () => {
    expect(shownNumber('+12045550123')).toEqual({ text: '(204) 555-0123', tel: 'tel:+12045550123' });
    expect(shownNumber('+442079460000')).toEqual({ text: '+44 20 7946 0000', tel: 'tel:+442079460000' });
    expect(shownNumber('+15555550123')).toEqual({ text: '(555) 555-0123', tel: 'tel:+15555550123' });
    expect(shownNumber('+18006052965')).toEqual({ text: '(800) 605-2965', tel: 'tel:+18006052965' });
  });

  test.each([
    ['a right-to-left override', '+1\u202E3210555402'],
    ['a right-to-left override at the end', '+12045550123\u202E'],
    ['a left-to-right mark', '\u200E+12045550123'],
    ['a control character', '+12045550123\u0000'],
    ['a newline', '+12045550123\nCall me'],
    ['free text around a number', 'Call +12045550123 now'],
    ['free text', "Caller's number"],
    ['spaces', '+1 204 555 0123'],
    ['full-width digits', '+１２０４５５５０１２３'],
    ['a withheld caller', 'anonymous'],
    ['an empty value', ''],
    ['too short to be a number', '+12'],
  ])('%s shows as "unknown number", with no link', (_, raw) => {
    expect(shownNumber(raw)).toEqual({ text: 'unknown number', tel: undefined });
  });
});

describe('the E.164 shape', () => {
  test.each(['+18006052965', '+442079460000', '+3725123456', '+1234567'])('%s is E.164', (number) => {
    expect(E164.test(number)).toBe(true);
    expect(e164.safeParse(number).success).toBe(true);
  });

  test.each([
    ['no plus', '18006052965'],
    ['a country code of 0', '+08006052965'],
    ['too short', '+123456'],
    ['too long', '+1234567890123456'],
    ['spaces', '+1 800 605 2965'],
    ['dashes', '+1-800-605-2965'],
    ['a newline after it', '+18006052965\n'],
    ['text', 'anonymous'],
    ['empty', ''],
  ])('%s is not', (_, number) => {
    expect(E164.test(number)).toBe(false);
    const parsed = e164.safeParse(number);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('must be an E.164 phone number such as +18006052965');
  });

  test('only an exact E.164 string parses as a number', () => {
    expect(parseE164('+12045550123')).toMatchObject({ e164: '+12045550123', country: 'CA', valid: true, type: 'FIXED_LINE_OR_MOBILE' });
    expect(parseE164('+19005551234')).toMatchObject({ valid: true, type: 'PREMIUM_RATE' });
    expect(parseE164('+15555550123')).toMatchObject({ valid: false, country: undefined });
    expect(parseE164('12045550123')).toBeUndefined();
    expect(parseE164(undefined)).toBeUndefined();
    expect(parseE164(null)).toBeUndefined();
  });
});

describe('a number for the ear, a text message and a log', () => {
  test('said digit by digit, grouped as people say them', () => {
    expect(spokenPhoneNumber('+18006052965')).toBe('1, 8 0 0, 6 0 5, 2 9 6 5');
    expect(spokenPhoneNumber('6135550199')).toBe('6 1 3, 5 5 5, 0 1 9 9');
    expect(spokenPhoneNumber('+442079460000')).toBe('4 4 2 0 7 9 4 6 0 0 0 0');
    expect(spokenPhoneNumber('')).toBe('');
  });

  test('written with dashes in a text message, North American numbers; others as given', () => {
    expect(writtenPhoneNumber('+18006052965')).toBe('1-800-605-2965');
    expect(writtenPhoneNumber('+12045550123')).toBe('1-204-555-0123');
    expect(writtenPhoneNumber('+442079460000')).toBe('+442079460000');
  });

  test('masked for logs: the last four digits, and the North American country code', () => {
    expect(maskedNumber('+18006052965')).toBe('+1******2965');
    expect(maskedNumber('+442079460000')).toBe('+********0000');
    expect(maskedNumber('6135550199')).toBe('******0199');
    expect(maskedNumber('client:alice')).toBe('************');
    expect(maskedNumber('1234')).toBe('****');
    expect(maskedNumber('')).toBe('');
    expect(maskedNumber(undefined)).toBeUndefined();
  });
});
