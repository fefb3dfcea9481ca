import { NeuralNetwork } from '@nlpjs/neural';
import { StemmerEn } from '@nlpjs/lang-en-min';
import { tidy } from '../flows/words';

/**
 * What a spoken answer means at one decision point: which of the choices offered there, and how surely. A small
 * classifier from NLP.js (its neural network, one perceptron per choice, trained on the stems of each choice's words
 * and examples, with their word pairs so that "not sure" is more than "not" and "sure") is trained per decision point
 * when the flow loads; answers that the flow gives as choosing nothing (`speech.examples.none`) train a choice of
 * their own, so that "what's the weather like" is asked again rather than taken for "what was that". Chosen by
 * measurement against the word matcher, `natural`'s classifiers and wink-nlp: see docs/understanding.md.
 */

/** One choice offered at a decision point: its key and every phrase that teaches what it means. */
export interface Teaching {
  key: string;
  phrases: readonly string[];
}

/** What an answer was taken to mean: the choice's key and a score from 0 to 1, best first. */
export interface Reading {
  key: string;
  score: number;
}

/** How an answer reads at one decision point. */
export interface Understood {
  /** The choices, best first, with scores that add up to at most 1 (the rest went to "nothing relevant"). */
  readings: Reading[];
  /** How much of the answer the decision point's phrases know: the share of its words seen in training, 0 to 1. */
  known: number;
  /** The answer is one of a choice's phrases exactly, or names a key ("two", "press 3"). */
  exact: boolean;
}

const NOTHING = '\u0000none';
const stemmer = new StemmerEn();


/** The stems of an answer, in order. */
function stems(text: string): string[] {
  const tidied = tidy(text);
  return tidied === '' ? [] : stemmer.tokenizeAndStem(tidied, true);
}

/**
 * An answer as the classifier reads it: its stems, its pairs of neighbouring stems, and which stem comes first
 * (callers lead with their answer: "no, I said username" is a no, whatever follows).
 */
function features(words: readonly string[]): Record<string, number> {
  const out: Record<string, number> = words.length === 0 ? {} : { [`^${words[0]}`]: 1 };
  for (let i = 0; i < words.length; i++) {
    out[words[i]!] = 1;
    if (i > 0) out[`${words[i - 1]} ${words[i]}`] = 1;
  }
  return out;
}

const KEY_WORDS: Record<string, string> = {
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
  zero: '0',
  star: '*',
};
/** "Two.", "press 3", "option one", "number four": a key said rather than pressed. */
const SAID_KEY = /^(?:(?:press|option|number|key)\s+)?(one|two|three|four|five|six|seven|eight|nine|zero|star|[0-9*])$/;

/** The key an answer names by itself ("two", "press 3"), if it is one. */
export function saidKey(text: string): string | undefined {
  const match = SAID_KEY.exec(tidy(text).replace(/^(?:uh|um|er)\s+/, ''));
  if (match === null) return undefined;
  return KEY_WORDS[match[1]!] ?? match[1];
}

/** The classifier of one decision point, trained on its choices' phrases and the phrases that choose nothing. */
export class Understanding {
  private readonly network = new NeuralNetwork({ log: false, iterations: Number(process.env.NN_IT ?? 400) });
  private readonly vocabulary = new Set<string>();
  private readonly byPhrase = new Map<string, Set<string>>();
  private readonly keys: Set<string>;

  constructor(teachings: readonly Teaching[], nothing: readonly string[]) {
    this.keys = new Set(teachings.map((t) => t.key));
    const corpus: { input: Record<string, number>; output: Record<string, number> }[] = [];
    const learn = (phrase: string, label: string) => {
      const words = stems(phrase);
      if (words.length === 0) return;
      for (const word of words) this.vocabulary.add(word);
      corpus.push({ input: features(words), output: { [label]: 1 } });
    };
    for (const { key, phrases } of teachings) {
      for (const phrase of phrases) {
        learn(phrase, key);
        const tidied = stems(phrase).join(' ');
        const keys = this.byPhrase.get(tidied) ?? new Set<string>();
        keys.add(key);
        this.byPhrase.set(tidied, keys);
      }
    }
    for (const phrase of nothing) learn(phrase, NOTHING);
    this.network.train(corpus);
  }

  /** What `answer` means here. */
  read(answer: string): Understood {
    const key = saidKey(answer);
    if (key !== undefined && this.keys.has(key)) return { readings: [{ key, score: 1 }], known: 1, exact: true };
    const words = stems(answer);
    if (words.length === 0) return { readings: [], known: 0, exact: false };
    const exact = this.byPhrase.get(words.join(' '));
    if (exact !== undefined && exact.size === 1) return { readings: [{ key: [...exact][0]!, score: 1 }], known: 1, exact: true };
    const known = words.filter((w) => this.vocabulary.has(w)).length / words.length;
    const raw = this.network.run(features(words)) ?? {};
    // As NLP.js itself turns its perceptrons' outputs into scores: squared, then shares of their sum.
    let total = 0;
    for (const value of Object.values(raw)) total += value * value;
    if (total === 0) return { readings: [], known, exact: false };
    const readings = Object.entries(raw)
      .filter(([label, value]) => label !== NOTHING && value > 0)
      .map(([label, value]) => ({ key: label, score: (value * value) / total }))
      .sort((a, b) => b.score - a.score);
    return { readings, known, exact: false };
  }
}
