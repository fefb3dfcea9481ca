/** How long speech takes to say, estimated from its words; the same for every flow and every voice. */

/** The rate the budgets assume when a flow states none: an unhurried speaking voice. */
export const DEFAULT_WORDS_PER_MINUTE = 175;

/**
 * The words a speech synthesizer says for `text`. Words are separated by white space; a run of digits is said
 * one digit at a time ("2965" is four words, as is "2 9 6 5"); punctuation alone is not said.
 */
export function spokenWords(text: string): number {
  let words = 0;
  for (const token of text.split(/\s+/)) {
    const digits = token.replace(/\D/g, '').length;
    words += digits;
    if (/\p{L}/u.test(token.replace(/\d/g, ''))) words += 1;
  }
  return words;
}

/** Seconds to say `text` at `wordsPerMinute`. */
export function speechSeconds(text: string, wordsPerMinute: number): number {
  return (spokenWords(text) * 60) / wordsPerMinute;
}
