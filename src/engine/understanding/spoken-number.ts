import { keyedNumber, NORTH_AMERICAN_DIGITS } from '../../common/phone';

/**
 * A callback number as Twilio's recogniser writes what a caller said: "two oh four five five five oh one two
 * three", "204-555-0123", "(204) 555 0123", "call me at 1 204 555 0123", "two oh four, five fifty-five, oh one
 * twenty-three", "double five", "area code 613 then 555 0199". The digits of a 10-digit North American number, area code first, or undefined:
 * anything else is not understood (the caller is asked again), never a guess. The number is read back digit by
 * digit and confirmed before it is used, as a keyed one is.
 *
 * Rules, in order:
 * - lower case; punctuation, dashes, dots and parentheses are spaces ("fifty-five" is "fifty five");
 * - a number is one run of number words: digits ("two", "zero", "oh"), numerals ("204", "5550123"), "double" or
 *   "triple" before one digit, and tens ("fifty five" = 55, "fifty" = 50) and teens ("twelve" = 12). Words around
 *   the run ("call me at", "my number is", "it's", "thanks") carry nothing; a word inside it ("two oh four, no,
 *   six one three") makes the answer not understood, as do two runs. Words that only sound like digits ("to",
 *   "for", "won") are words; "hundred" and "thousand" make it not understood: "eight hundred five" is 805 or 8005;
 * - "oh" before the first other digit is not part of the number (an area code never starts with 0);
 * - 11 digits that start with 1 (the country code, "one" or "+1") are the 10 after it;
 * - the result must be exactly 10 digits of North American shape (area code and exchange start with 2 to 9) that
 *   libphonenumber-js takes as a possible number. Whether the desk may call it is checked later, as for a keyed one.
 *
 * npm's words-to-numbers reads quantities ("two hundred four" = 204) with fuzzy matching, not digit sequences, so it
 * would guess where this must refuse.
 */

/** The digit each digit word stands for ("oh" and "o" are zero in a phone number). */
export const DIGITS: Readonly<Record<string, string>> = {
  zero: '0',
  oh: '0',
  o: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
};
const TEENS: Readonly<Record<string, string>> = {
  ten: '10',
  eleven: '11',
  twelve: '12',
  thirteen: '13',
  fourteen: '14',
  fifteen: '15',
  sixteen: '16',
  seventeen: '17',
  eighteen: '18',
  nineteen: '19',
};
const TENS: Readonly<Record<string, string>> = {
  twenty: '2',
  thirty: '3',
  forty: '4',
  fifty: '5',
  sixty: '6',
  seventy: '7',
  eighty: '8',
  ninety: '9',
};
const REPEATS: Readonly<Record<string, number>> = { double: 2, triple: 3 };
/** Words that make a number ambiguous as digits: refused, not guessed. */
const AMBIGUOUS = new Set(['hundred', 'thousand', 'million', 'point', 'dot']);

/** The words a phone number is said in, to hint to the recogniser where one is asked for. */
export const NUMBER_WORDS: readonly string[] = ['zero', 'oh', ...Object.keys(DIGITS).slice(3), 'double', 'triple'];

const digitOf = (token: string | undefined): string | undefined =>
  token === undefined ? undefined : /^\d$/.test(token) ? token : DIGITS[token];

/** Whether `token` is part of a number as said: a digit, numeral, tens, teen, double or triple. */
function isNumberWord(token: string): boolean {
  return /^\d+$/.test(token) || token in DIGITS || token in TEENS || token in TENS || token in REPEATS;
}

/** The digits of one run of number words; undefined when a "double" or "triple" has no single digit after it. */
function digitsOf(tokens: readonly string[]): string | undefined {
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const repeat = REPEATS[token];
    if (repeat !== undefined) {
      const digit = digitOf(tokens[i + 1]);
      if (digit === undefined) return undefined;
      out += digit.repeat(repeat);
      i++;
    } else if (/^\d+$/.test(token)) out += token;
    else if (token in TEENS) out += TEENS[token];
    else if (token in TENS) {
      const unit = DIGITS[tokens[i + 1] ?? ''];
      // "fifty five" is 55, "fifty" is 50; "fifty oh" is not a way to say a number.
      if (unit !== undefined && unit !== '0') {
        out += TENS[token]! + unit;
        i++;
      } else out += `${TENS[token]}0`;
    } else out += DIGITS[token]!;
  }
  return out;
}

/** Words said between the groups of one number. */
const JOINERS = new Set(['then', 'and', 'dash', 'hyphen']);

/** The 10 digits of the callback number in `said` (what the recogniser returned), or undefined: not understood. */
export function spokenNumber(said: string): string | undefined {
  const tokens = said
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[^a-z0-9']+/g, ' ')
    .split(' ')
    .filter((t) => t !== '');
  if (tokens.some((t) => AMBIGUOUS.has(t))) return undefined;
  // The run starts at the first number word that is not "oh": an area code never starts with 0.
  const first = tokens.findIndex((t) => isNumberWord(t) && t !== 'oh' && t !== 'o');
  if (first < 0) return undefined;
  let last = tokens.length - 1;
  while (!isNumberWord(tokens[last]!)) last--;
  // Words that join the groups of one number ("area code 613 then 555 0199", "204 dash 555") carry nothing.
  const run = tokens.slice(first, last + 1).filter((t) => !JOINERS.has(t));
  // A word inside the number, or a second number: not understood.
  if (!run.every(isNumberWord)) return undefined;
  let digits = digitsOf(run);
  if (digits === undefined) return undefined;
  if (digits.length === 11 && digits.startsWith('1')) digits = digits.slice(1);
  if (!NORTH_AMERICAN_DIGITS.test(digits) || keyedNumber(digits) === undefined) return undefined;
  return digits;
}
