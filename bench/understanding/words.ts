/**
 * The line's word matcher as it was before spoken answers were read by a classifier (src/flows/words.ts and
 * src/engine/speech.ts at 14efa98), kept here only to be measured against the classifiers: an answer names a choice
 * when one of the choice's words stands in it as whole words, after both are normalised.
 */

/** What the matcher knows of a choice: its key and its words (never its examples). */
export interface WordChoice {
  key: string;
  words: readonly string[];
}

/** Words that carry no answer: hesitations, politeness, and openings such as "I want" or "I'd like". */
const FILLERS = [
  'um',
  'umm',
  'uh',
  'uhm',
  'er',
  'erm',
  'hmm',
  'mm',
  'ah',
  'oh',
  'well',
  'so',
  'like',
  'the',
  'a',
  'an',
  'please',
  'i want',
  'i wanna',
  'i want to',
  "i'd like",
  "i'd like to",
  'i would like',
  'i would like to',
  'i need',
  'i need to',
  'can i',
  'could i',
  'let me',
  'to',
  'for',
  'my',
  'with',
  'about',
  'okay',
  'ok',
];
const FILLER_PATTERN = new RegExp(`(?:^| )(?:${[...FILLERS].sort((a, b) => b.length - a.length).join('|')})(?= |$)`, 'g');

/**
 * An answer as compared: lower case, curly apostrophes straight, punctuation and hyphens as spaces (so "multi-factor"
 * is "multi factor"), filler words out, white space single.
 */
export function normalise(text: string): string {
  let out = ` ${text
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .replace(/(^| )'+|'+(?= |$)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()} `;
  // Twice: removing one filler can bring two others together ("um the").
  for (let i = 0; i < 2; i++) out = out.replace(FILLER_PATTERN, ' ').replace(/\s+/g, ' ');
  return out.trim();
}

/** Whether `phrase` (normalised) stands in `answer` (normalised) as whole words. */
function contains(answer: string, phrase: string): boolean {
  return phrase !== '' && ` ${answer} `.includes(` ${phrase} `);
}

/**
 * The choices an answer names, best first. A choice is named when one of its words stands in the answer as whole
 * words, after both are normalised. When several are, the one whose word covers the most of the answer wins
 * alone ("repeat the steps" over "repeat"); choices whose words cover as much are all returned: an ambiguous answer.
 */
export function choicesNamed<C extends WordChoice>(answer: string, choices: readonly C[]): C[] {
  const said = normalise(answer);
  if (said === '') return [];
  const scored: { choice: C; length: number }[] = [];
  for (const choice of choices) {
    let length = 0;
    for (const word of choice.words) {
      const phrase = normalise(word);
      if (contains(said, phrase)) length = Math.max(length, phrase.split(' ').length);
    }
    if (length > 0) scored.push({ choice, length });
  }
  const longest = Math.max(0, ...scored.map((s) => s.length));
  return scored.filter((s) => s.length === longest).map((s) => s.choice);
}
