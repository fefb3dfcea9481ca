import { StemmerEn } from '@nlpjs/lang-en-min';
import { BayesClassifier, LogisticRegressionClassifier, PorterStemmer } from 'natural';
import winkNLP, { type Bow, type ItsFunction } from 'wink-nlp';
import model from 'wink-eng-lite-web-model';
import similarity from 'wink-nlp/utilities/similarity';
import { Understanding, saidKey, type Reading, type Teaching, type Understood } from '../../src/engine/understanding/understanding';
import type { Reader, Train } from '../../src/engine/understanding/speech';
import { tidy } from '../../src/flows/words';
import { choicesNamed } from './words';

/**
 * The readers compared for spoken answers, each trained per decision point from the same teachings (every choice's
 * words and examples) and the flow's answers that choose nothing.
 */

const NOTHING = '\u0000none';
const stemmer = new StemmerEn();

/** The stems of an answer, as the line's Understanding takes them. */
function stems(text: string): string[] {
  const tidied = tidy(text);
  return tidied === '' ? [] : stemmer.tokenizeAndStem(tidied, true);
}

/**
 * What the line's Understanding does before its classifier, shared by the classifiers compared with it: a key said
 * ("two", "press 3") and an answer that is one choice's phrase exactly are taken at once; `known` is the share of the
 * answer's stems seen in training.
 */
class FrontEnd {
  private readonly vocabulary = new Set<string>();
  private readonly byPhrase = new Map<string, Set<string>>();
  private readonly keys: Set<string>;

  constructor(teachings: readonly Teaching[], nothing: readonly string[]) {
    this.keys = new Set(teachings.map((t) => t.key));
    for (const { key, phrases } of teachings)
      for (const phrase of phrases) {
        const words = stems(phrase);
        for (const word of words) this.vocabulary.add(word);
        const keys = this.byPhrase.get(words.join(' ')) ?? new Set<string>();
        keys.add(key);
        this.byPhrase.set(words.join(' '), keys);
      }
    for (const phrase of nothing) for (const word of stems(phrase)) this.vocabulary.add(word);
  }

  /** The answer read at once (a key said, a phrase exactly), or how much of it is known for the classifier to read. */
  first(answer: string): Understood | { known: number } {
    const key = saidKey(answer);
    if (key !== undefined && this.keys.has(key)) return { readings: [{ key, score: 1 }], known: 1, exact: true, like: 1, likeNothing: 0 };
    const words = stems(answer);
    if (words.length === 0) return { readings: [], known: 0, exact: false, like: 0, likeNothing: 0 };
    const exact = this.byPhrase.get(words.join(' '));
    if (exact !== undefined && exact.size === 1)
      return { readings: [{ key: [...exact][0]!, score: 1 }], known: 1, exact: true, like: 1, likeNothing: 0 };
    return { known: words.filter((w) => this.vocabulary.has(w)).length / words.length };
  }
}

/** Scores as shares of their sum, "nothing relevant" taking its share and left out of the readings; best first. */
function shares(scores: readonly { label: string; value: number }[]): Reading[] {
  const total = scores.reduce((sum, s) => sum + Math.max(0, s.value), 0);
  if (!(total > 0)) return [];
  return scores
    .filter((s) => s.label !== NOTHING && s.value > 0)
    .map((s) => ({ key: s.label, score: s.value / total }))
    .sort((a, b) => b.score - a.score);
}

/**
 * The word matcher the line had before: a choice is named when one of its words stands in the answer; trained on
 * the words alone (`wordsOf` gives them for a choice's phrases: its words come first, then its examples). One choice
 * named scores 1, n choices named 1/n each; "known" is 1 when a choice is named, as the matcher looked no further.
 */
export function wordMatcher(wordsOf: (key: string, phrases: readonly string[]) => readonly string[]): Train {
  return (teachings) => {
    const choices = teachings.map((t) => ({ key: t.key, words: wordsOf(t.key, t.phrases) }));
    return {
      read(answer: string): Understood {
        const named = choicesNamed(answer, choices);
        if (named.length === 0) return { readings: [], known: 0, exact: false, like: 0, likeNothing: 0 };
        return { readings: named.map((c) => ({ key: c.key, score: 1 / named.length })), known: 1, exact: false, like: 1, likeNothing: 0 };
      },
    };
  };
}

/** The line's own: NLP.js's neural network over stems, stem pairs and the first stem (src/engine/understanding.ts). */
export const nlpjs: Train = (teachings, nothing, leaders) => new Understanding(teachings, nothing, leaders);

/** The tokens natural's classifiers are given: its Porter stemmer's, stop words kept ("no", "not" carry answers). */
const porter = (text: string): string[] => PorterStemmer.tokenizeAndStem(text, true);

/** natural's naive Bayes or logistic regression classifier, with "nothing relevant" as a class of its own. */
function natural(make: () => BayesClassifier | LogisticRegressionClassifier): Train {
  return (teachings, nothing) => {
    const front = new FrontEnd(teachings, nothing);
    const classifier = make();
    for (const { key, phrases } of teachings) for (const phrase of phrases) classifier.addDocument(porter(phrase), key);
    for (const phrase of nothing) classifier.addDocument(porter(phrase), NOTHING);
    classifier.train();
    return {
      read(answer: string): Understood {
        const first = front.first(answer);
        if ('readings' in first) return first;
        const tokens = porter(answer);
        if (tokens.length === 0) return { readings: [], known: first.known, exact: false, like: first.known, likeNothing: 0 };
        return {
          readings: shares(classifier.getClassifications(tokens)),
          known: first.known,
          exact: false,
          like: first.known,
          likeNothing: 0,
        };
      },
    };
  };
}
export const naturalBayes: Train = natural(() => new BayesClassifier(PorterStemmer));
export const naturalLogistic: Train = natural(() => new LogisticRegressionClassifier(PorterStemmer));

const nlp = winkNLP(model);
const its = nlp.its;
const as = nlp.as;
/** wink-nlp's lemma, typed as what it is (its declaration has the arguments of a lemmatiser add-on). */
const lemma = its.lemma as unknown as ItsFunction<string>;

/** An answer as wink-nlp reads it: the lemmas of its words ("n't" is "not": negations are kept), as a bag of words. */
function bagOf(text: string): Bow {
  return nlp
    .readDoc(text.toLowerCase())
    .tokens()
    .filter((t) => t.out(its.type) === 'word')
    .out(lemma, as.bow) as Bow;
}

/**
 * wink-nlp with its English model: each choice scores the cosine of the answer's bag of words with its nearest
 * phrase (a nearest-neighbour reading); when the nearest phrase of all is one that chooses nothing, nothing is read.
 */
export const winkNearest: Train = (teachings, nothing) => {
  const front = new FrontEnd(teachings, nothing);
  const examples: { label: string; bag: Bow }[] = [];
  const add = (phrase: string, label: string) => {
    const bag = bagOf(phrase);
    if (Object.keys(bag).length > 0) examples.push({ label, bag });
  };
  for (const { key, phrases } of teachings) for (const phrase of phrases) add(phrase, key);
  for (const phrase of nothing) add(phrase, NOTHING);
  return {
    read(answer: string): Understood {
      const first = front.first(answer);
      if ('readings' in first) return first;
      const bag = bagOf(answer);
      const best = new Map<string, number>();
      if (Object.keys(bag).length > 0)
        for (const { label, bag: other } of examples) {
          const cosine = similarity.bow.cosine(bag, other);
          if (cosine > (best.get(label) ?? 0)) best.set(label, cosine);
        }
      const readings = [...best]
        .filter(([label]) => label !== NOTHING)
        .map(([key, score]) => ({ key, score }))
        .sort((a, b) => b.score - a.score);
      if (readings.length === 0 || (best.get(NOTHING) ?? 0) >= readings[0]!.score)
        return { readings: [], known: first.known, exact: false, like: first.known, likeNothing: 0 };
      // Its closeness is its own score: the cosine with the nearest phrase, against the nearest that chooses nothing.
      return { readings, known: first.known, exact: false, like: readings[0]!.score, likeNothing: best.get(NOTHING) ?? 0 };
    },
  };
};

/** A reader that reads each answer once, for trying many thresholds on the same readings. */
export function remembering(train: Train): Train {
  return (teachings, nothing, leaders) => {
    const reader: Reader = train(teachings, nothing, leaders);
    const read = new Map<string, Understood>();
    return {
      read(answer: string): Understood {
        let understood = read.get(answer);
        if (understood === undefined) read.set(answer, (understood = reader.read(answer)));
        return understood;
      },
    };
  };
}
