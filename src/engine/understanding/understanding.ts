import { NeuralNetwork } from '@nlpjs/neural';
import { StemmerEn } from '@nlpjs/lang-en-min';
import { tidy } from '../../flows/words';
import { DIGITS } from './spoken-number';

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
  /**
   * How close the answer is to the best choice's closest phrase, and to the closest phrase that chooses nothing:
   * cosine similarity of their stems and stem pairs, weighted by rarity (0 to 1). The classifier always picks some
   * choice; an answer like none of its phrases is not taken for it.
   */
  like: number;
  likeNothing: number;
  /** The closest phrase taught is one of the best choice's. */
  agree?: boolean;
  /**
   * The choice the answer's first clause is, word for word, where it has more than one ("No, I said username.":
   * callers lead with their answer and explain after).
   */
  lead?: string;
}

const NOTHING = '\u0000none';
const stemmer = new StemmerEn();

/** The stems of an answer, in order. */
function stems(text: string): string[] {
  const tidied = tidy(text).replace(SOUNDS, (sound) => sound.replace(' ', ''));
  return tidied === '' ? [] : stemmer.tokenizeAndStem(tidied, true);
}

/**
 * Yes and no said as sounds, one word each ("uh-huh" is "uhhuh"): "uh" alone is a hesitation, passed over, and
 * "huh?" alone asks to hear it again, so "uh huh" must not be read as two words.
 */
const SOUNDS = /\b(?:uh huh|uh uh|nuh uh|mm+ hmm+|mhm)\b/g;

/**
 * Stems that carry no answer: hesitations, politeness and openings ("um", "please", "I want to"). They stay among
 * the classifier's single stems, but are passed over where stems are paired, where the first stem is taken, and where
 * an answer is compared with the phrases taught, so that "um, I want to reset the password, please" is as close to
 * "reset password" as it should be. "Mm", "hmm" and "huh" are not among them: "mm-hmm" is a yes, "huh?" a pardon.
 */
const FILLERS = new Set(
  ['um', 'umm', 'uh', 'uhm', 'er', 'erm', 'ah', 'oh', 'well', 'so', 'like', 'the', 'a', 'an', 'please', 'to', 'just']
    .concat(['okay', 'ok', 'actually', 'basically', 'want', 'need', 'would', 'could', 'can', 'let'])
    .map((w) => stemmer.tokenizeAndStem(w, true)[0] ?? w),
);

/** The stems that carry the answer, in order. */
const content = (words: readonly string[]) => words.filter((w) => !FILLERS.has(w));

/**
 * An answer as the classifier reads it: its stems, its pairs of neighbouring stems that carry the answer, and which
 * of those comes first (callers lead with their answer: "no, I said username" is a no, whatever follows).
 */
function features(words: readonly string[]): Record<string, number> {
  const carried = content(words);
  const out: Record<string, number> = carried.length === 0 ? {} : { [`^${carried[0]}`]: 1 };
  for (const word of words) out[word] = 1;
  for (let i = 1; i < carried.length; i++) out[`${carried[i - 1]} ${carried[i]}`] = 1;
  return out;
}

/** The key each word said for one stands for: the digit words of a phone number, and star. */
const KEY_WORDS: Readonly<Record<string, string>> = { ...DIGITS, star: '*' };
/** "Two.", "press 3", "option one", "number four": a key said rather than pressed. */
const SAID_KEY = /^(?:(?:press|option|number|key)\s+)?(one|two|three|four|five|six|seven|eight|nine|zero|star|[0-9*])$/;

/** The key an answer names by itself ("two", "press 3"), if it is one. */
export function saidKey(text: string): string | undefined {
  const match = SAID_KEY.exec(tidy(text).replace(/^(?:uh|um|er)\s+/, ''));
  if (match === null) return undefined;
  return KEY_WORDS[match[1]!] ?? match[1];
}

/** The features an answer is compared with the phrases taught by: its stems and pairs that carry the answer. */
const compared = (input: Record<string, number>) => Object.keys(input).filter((f) => !f.startsWith('^') && !FILLERS.has(f));

/** A phrase the decision point was taught, as weighted features of unit length, and the choice it teaches. */
interface Taught {
  label: string;
  vector: Map<string, number>;
}

/** The classifier of one decision point, trained on its choices' phrases and the phrases that choose nothing. */
export class Understanding {
  /** 30 rounds of training: the figures of flows:understanding are those of 20,000 (its default), in a third of the time. */
  private readonly network = new NeuralNetwork({ log: false, iterations: 30 });
  private readonly vocabulary = new Set<string>();
  private readonly byPhrase = new Map<string, Set<string>>();
  private readonly keys: Set<string>;
  private readonly taught: Taught[] = [];
  /** How rare each feature is among the phrases taught (inverse document frequency): rare words weigh more. */
  private readonly rarity = new Map<string, number>();
  private readonly unseenRarity: number;

  /**
   * `leaders` are the keys whose phrases may lead a longer answer and decide it (yes and no: "No, I said username").
   */
  constructor(
    teachings: readonly Teaching[],
    nothing: readonly string[],
    private readonly leaders: ReadonlySet<string> = new Set(),
  ) {
    this.keys = new Set(teachings.map((t) => t.key));
    const corpus: { input: Record<string, number>; output: Record<string, number> }[] = [];
    const phrases: { label: string; features: string[] }[] = [];
    const learn = (phrase: string, label: string) => {
      const words = stems(phrase);
      if (words.length === 0) return;
      for (const word of words) this.vocabulary.add(word);
      const input = features(words);
      corpus.push({ input, output: { [label]: 1 } });
      phrases.push({ label, features: compared(input) });
    };
    for (const { key, phrases: said } of teachings) {
      for (const phrase of said) {
        learn(phrase, key);
        const tidied = stems(phrase).join(' ');
        const keys = this.byPhrase.get(tidied) ?? new Set<string>();
        keys.add(key);
        this.byPhrase.set(tidied, keys);
      }
    }
    for (const phrase of nothing) learn(phrase, NOTHING);
    this.network.train(corpus);
    const documents = new Map<string, number>();
    for (const phrase of phrases) for (const f of phrase.features) documents.set(f, (documents.get(f) ?? 0) + 1);
    for (const [f, n] of documents) this.rarity.set(f, Math.log(1 + phrases.length / n));
    this.unseenRarity = Math.log(1 + phrases.length);
    phrases.forEach((phrase, i) => {
      this.taught.push({ label: phrase.label, vector: this.vector(phrase.features) });
      for (const [f, w] of this.taught[i]!.vector) {
        const postings = this.byFeature.get(f) ?? [];
        postings.push({ phrase: i, weight: w });
        this.byFeature.set(f, postings);
      }
    });
  }
  /** For each feature, the phrases taught that have it and its weight there: only those are compared with an answer. */
  private readonly byFeature = new Map<string, { phrase: number; weight: number }[]>();

  /** Features weighted by rarity, scaled to unit length; a feature never taught weighs as the rarest. */
  private vector(features: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const f of features) out.set(f, this.rarity.get(f) ?? this.unseenRarity);
    const length = Math.hypot(...out.values());
    if (length === 0) return out;
    for (const [f, w] of out) out.set(f, w / length);
    return out;
  }

  /** The closest phrase taught for each choice (and for "nothing"): cosine similarity, 0 to 1. */
  private closest(features: readonly string[]): Map<string, number> {
    const dots = new Map<number, number>();
    for (const [f, w] of this.vector(features))
      for (const { phrase, weight } of this.byFeature.get(f) ?? []) dots.set(phrase, (dots.get(phrase) ?? 0) + w * weight);
    const best = new Map<string, number>();
    for (const [phrase, dot] of dots) {
      const { label } = this.taught[phrase]!;
      if (dot > (best.get(label) ?? 0)) best.set(label, dot);
    }
    return best;
  }

  /**
   * Each phrase taught, read by a classifier trained without it (five classifiers, each leaving out a fifth of the
   * phrases): how `npm run flows:check` finds an example the line would take for another choice.
   */
  static crossRead(
    teachings: readonly Teaching[],
    nothing: readonly string[],
    alwaysTaught: readonly Teaching[] = [],
    leaders: ReadonlySet<string> = new Set(),
  ): { key: string; phrase: string; read: Understood }[] {
    const all = teachings.flatMap(({ key, phrases }) => phrases.map((phrase) => ({ key, phrase })));
    const out: { key: string; phrase: string; read: Understood }[] = [];
    const FOLDS = 5;
    for (let fold = 0; fold < FOLDS; fold++) {
      const kept = teachings.map(({ key, phrases }) => ({
        key,
        phrases: [
          ...(alwaysTaught.find((t) => t.key === key)?.phrases ?? []),
          ...phrases.filter((phrase) => all.findIndex((a) => a.key === key && a.phrase === phrase) % FOLDS !== fold),
        ],
      }));
      const understanding = new Understanding(kept, nothing, leaders);
      all.forEach((item, i) => {
        if (i % FOLDS === fold) out.push({ ...item, read: understanding.read(item.phrase) });
      });
    }
    return out;
  }

  /** What `answer` means here. */
  read(answer: string): Understood {
    const key = saidKey(answer);
    if (key !== undefined && this.keys.has(key)) return { readings: [{ key, score: 1 }], known: 1, exact: true, like: 1, likeNothing: 0 };
    const words = stems(answer);
    if (words.length === 0) return { readings: [], known: 0, exact: false, like: 0, likeNothing: 0 };
    const exact = this.byPhrase.get(words.join(' '));
    if (exact !== undefined && exact.size === 1)
      return { readings: [{ key: [...exact][0]!, score: 1 }], known: 1, exact: true, like: 1, likeNothing: 0 };
    const known = words.filter((w) => this.vocabulary.has(w)).length / words.length;
    const input = features(words);
    const raw = this.network.run(input) ?? {};
    const closest = this.closest(compared(input));
    const likeNothing = closest.get(NOTHING) ?? 0;
    // As NLP.js itself turns its perceptrons' outputs into scores: squared, then shares of their sum.
    let total = 0;
    for (const value of Object.values(raw)) total += value * value;
    if (total === 0) return { readings: [], known, exact: false, like: 0, likeNothing };
    const readings = Object.entries(raw)
      .filter(([label, value]) => label !== NOTHING && value > 0)
      .map(([label, value]) => ({ key: label, score: (value * value) / total }))
      .sort((a, b) => b.score - a.score);
    const like = readings[0] === undefined ? 0 : (closest.get(readings[0].key) ?? 0);
    // The classifier and the closest phrase agree on the choice: neither alone is enough to act on an answer.
    const nearest = [...closest].sort((a, b) => b[1] - a[1])[0]?.[0];
    return { readings, known, exact: false, like, likeNothing, agree: nearest === readings[0]?.key, ...this.leadOf(answer) };
  }

  /** The choice the first clause of a longer answer is exactly: "Yes, pass word." leads with yes. */
  private leadOf(answer: string): { lead?: string } {
    const clauses = answer.split(/[,.;:!?]+/).filter((c) => c.trim() !== '');
    if (clauses.length < 2) return {};
    const keys = this.byPhrase.get(stems(clauses[0]!).join(' '));
    if (keys === undefined || keys.size !== 1) return {};
    const key = [...keys][0]!;
    return this.leaders.has(key) ? { lead: key } : {};
  }
}
