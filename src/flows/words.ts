import type { FlowFile, FlowNode, SpeechWords } from './schema';

/**
 * What a caller may say at a question, and how a spoken answer is compared with it. Pure: the engine asks which
 * choice an answer names, `flows:check` which words two choices share.
 */

/** One choice a caller can make by voice: the key it stands for and its words, the first being its name. */
export interface SpokenChoice {
  key: string;
  words: readonly string[];
  /** Where the words are in the flow file, for error messages: "options[1].words", "speech.words.yes". */
  field: string;
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

/** The choices a flow node offers by voice, its own: options, yes/no/unsure, solved/again/next. Globals apart. */
export function spokenChoicesOf(node: FlowNode, words: SpeechWords): SpokenChoice[] {
  switch (node.type) {
    case 'menu':
      return node.options.map((o, i) => ({ key: o.key, words: o.words ?? [], field: `options[${i}].words` }));
    case 'question':
      return [
        { key: '1', words: words.yes, field: 'speech.words.yes' },
        { key: '2', words: words.no, field: 'speech.words.no' },
        ...(node.unsure === undefined ? [] : [{ key: '3', words: words.unsure, field: 'speech.words.unsure' }]),
      ];
    case 'instructions':
      return [
        { key: '1', words: words.solved, field: 'speech.words.solved' },
        { key: '2', words: words.repeatSteps, field: 'speech.words.repeatSteps' },
        ...(node.more === undefined ? [] : [{ key: '3', words: words.more, field: 'speech.words.more' }]),
        ...(words.text === undefined ? [] : [{ key: '8', words: words.text, field: 'speech.words.text' }]),
      ];
    case 'transfer':
    case 'end':
      return [];
  }
}

/** The words that work at every question: the desk (0), repeat (*), the main menu (9). */
export function globalChoices(words: SpeechWords): SpokenChoice[] {
  return [
    { key: '0', words: words.desk, field: 'speech.words.desk' },
    { key: '*', words: words.repeat, field: 'speech.words.repeat' },
    { key: '9', words: words.mainMenu, field: 'speech.words.mainMenu' },
  ];
}

/** "The desk did not answer": try again (1) or end the call (2). */
export function deskRetryChoices(words: SpeechWords): SpokenChoice[] {
  return [
    { key: '1', words: words.tryAgain, field: 'speech.words.tryAgain' },
    { key: '2', words: words.endCall, field: 'speech.words.endCall' },
  ];
}

/** A confirmation: yes (1) or no (2). */
export function confirmationChoices(words: SpeechWords): SpokenChoice[] {
  return [
    { key: '1', words: words.yes, field: 'speech.words.yes' },
    { key: '2', words: words.no, field: 'speech.words.no' },
  ];
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
export function choicesNamed(answer: string, choices: readonly SpokenChoice[]): SpokenChoice[] {
  const said = normalise(answer);
  if (said === '') return [];
  const scored: { choice: SpokenChoice; length: number }[] = [];
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

/** The name of a choice: its first word, as a confirmation says it and the call's history records it. */
export function nameOf(choice: SpokenChoice): string {
  return choice.words[0] ?? choice.key;
}

/** Whether a flow listens for speech, as far as the flow file says. */
export function listensFor(flow: FlowFile): boolean {
  return flow.speech?.enabled === true;
}

/**
 * A callback (3) and the details by text message (8), offered beside "try again" and when the desk is closed (the
 * keys of OFFER_KEYS in src/engine/compile.ts); none where the flow gives them no words.
 */
export function offerChoices(words: SpeechWords): SpokenChoice[] {
  return [
    ...(words.callback === undefined ? [] : [{ key: '3', words: words.callback, field: 'speech.words.callback' }]),
    ...(words.text === undefined ? [] : [{ key: '8', words: words.text, field: 'speech.words.text' }]),
  ];
}

/** "The desk is closed": a callback (3), a text message (8), or end the call (2). */
export function deskClosedChoices(words: SpeechWords): SpokenChoice[] {
  return [...offerChoices(words), { key: '2', words: words.endCall, field: 'speech.words.endCall' }];
}

/** "Called back on this phone (1), or key in another number (2)?" */
export function callbackNumberChoices(words: SpeechWords): SpokenChoice[] {
  return [
    ...(words.thisPhone === undefined ? [] : [{ key: '1', words: words.thisPhone, field: 'speech.words.thisPhone' }]),
    ...(words.anotherNumber === undefined ? [] : [{ key: '2', words: words.anotherNumber, field: 'speech.words.anotherNumber' }]),
  ];
}
