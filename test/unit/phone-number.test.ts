import { countryList, keyedNumber, numberPrefix, parseE164, phoneFits, shownNumber, type PhoneRules } from '../../src/common/phone-number';
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
