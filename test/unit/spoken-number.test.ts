import fc from 'fast-check';
import { NUMBER_WORDS, spokenNumber } from '../../src/engine/understanding/spoken-number';

/** What the recogniser may return for a callback number, and the digits it stands for (undefined: asked again). */
const CASES: [said: string, digits: string | undefined][] = [
  ['two oh four five five five oh one two three', '2045550123'],
  ['call me at two oh four, five five five, oh one two three', '2045550123'],
  ['Two zero four. Five five five. Zero one two three.', '2045550123'],
  ['204-555-0123', '2045550123'],
  ['(204) 555 0123', '2045550123'],
  ['204.555.0123', '2045550123'],
  ['2045550123', '2045550123'],
  ['my number is 204 555 0123', '2045550123'],
  ["it's 1 204 555 0123", '2045550123'],
  ['+1 (204) 555-0123', '2045550123'],
  ['one two oh four five five five oh one two three', '2045550123'],
  ['two oh four double five five oh one two three', '2045550123'],
  ['two oh four triple five oh one two three', '2045550123'],
  ['two oh four, five fifty-five, oh one twenty-three', '2045550123'],
  ['six one three five five five oh one nineteen', '6135550119'],
  ['oh, it’s two oh four five five five oh one two three, thanks', '2045550123'],
  ['613 555 0123 please', '6135550123'],
  ['area code 613 then 555 0199', '6135550199'],
  ['204 dash 555 dash 0123', '2045550123'],
  // Not understood: too few or too many digits, a word inside the number, two numbers, ambiguous group words.
  ['two oh four five five five oh one two', undefined],
  ['two oh four five five five oh one two three four', undefined],
  ['two oh four, no, six one three five five five oh one two three', undefined],
  ['204 555 0123 or 613 555 0123', undefined],
  ['eight hundred five five five oh one two three', undefined],
  ['two oh four five five five oh one two to three', undefined],
  ['double', undefined],
  ['two oh four double fifty five oh one two three', undefined],
  ['password', undefined],
  ['', undefined],
  // Not a North American number: an area code or exchange that starts with 0 or 1, a foreign country code.
  ['123 555 0123', undefined],
  ['204 155 0123', undefined],
  ['44 20 7946 0018', undefined],
  ['2 204 555 0123', undefined],
];

test.each(CASES)('%j is %s', (said, digits) => {
  expect(spokenNumber(said)).toBe(digits);
});

const WORD = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const TEENS = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];

/** A North American number: area code and exchange start with 2 to 9. */
const northAmerican = fc
  .tuple(
    fc.integer({ min: 2, max: 9 }),
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 2, max: 9 }),
    fc.integer({ min: 0, max: 999_999 }),
  )
  .map(([a, b, c, d]) => `${a}${String(b).padStart(2, '0')}${c}${String(d).padStart(6, '0')}`);

/** One way of saying a group of digits, chosen by `style`. */
function sayGroup(group: string, style: number): string {
  const digits = group.split('').map(Number);
  if (style === 0) return group;
  const words: string[] = [];
  for (let i = 0; i < digits.length; i++) {
    const d = digits[i]!;
    const next = digits[i + 1];
    if (style >= 2 && next !== undefined && next === d && digits[i + 2] === d) {
      words.push('triple', WORD[d]!);
      i += 2;
    } else if (style >= 2 && next === d) {
      words.push('double', WORD[d]!);
      i++;
    } else if (style === 3 && next !== undefined && d === 1) {
      words.push(TEENS[next]!);
      i++;
    } else if (style === 3 && next !== undefined && d >= 2 && next !== 0) {
      words.push(`${TENS[d]!}-${WORD[next]!}`);
      i++;
    } else words.push(d === 0 && (style === 1 || style === 3) ? 'oh' : WORD[d]!);
  }
  return words.join(' ');
}

test('a number said any of these ways, with filler around it, is read back as its digits', () => {
  const styles = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }));
  const opening = fc.constantFrom('', 'call me at', 'my number is', "it's", 'um', 'you can reach me on');
  const closing = fc.constantFrom('', 'thanks', 'please', 'thank you');
  const joiner = fc.constantFrom(' ', ', ', '-', '. ');
  const country = fc.constantFrom('', 'one ', '1 ', '+1 ');
  fc.assert(
    fc.property(northAmerican, styles, opening, closing, joiner, country, (digits, [s1, s2, s3], open, close, join, cc) => {
      const said = `${open} ${cc}${[sayGroup(digits.slice(0, 3), s1), sayGroup(digits.slice(3, 6), s2), sayGroup(digits.slice(6), s3)].join(join)} ${close}`;
      expect(spokenNumber(said)).toBe(digits);
    }),
    { numRuns: 2000 },
  );
});

test('a digit more or less is never a number', () => {
  fc.assert(
    fc.property(northAmerican, fc.boolean(), fc.integer({ min: 0, max: 9 }), (digits, longer, extra) => {
      const said = (longer ? `${digits}${extra}` : digits.slice(0, 9))
        .split('')
        .map((d) => WORD[Number(d)])
        .join(' ');
      expect(spokenNumber(said)).toBeUndefined();
    }),
  );
});

test('what the recogniser returns is never thrown on, and a number comes out only as 10 digits', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (said) => {
      const digits = spokenNumber(said);
      if (digits !== undefined) expect(digits).toMatch(/^[2-9]\d{2}[2-9]\d{6}$/);
    }),
  );
});

test('the hints are the words a number is said in', () => {
  expect(NUMBER_WORDS).toEqual(['zero', 'oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'double', 'triple']);
});
