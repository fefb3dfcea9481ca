import type { FlowFile, FlowNode, SharedChoice, Speech } from './schema';

/**
 * What a caller may say at a question, and how a spoken answer is compared with it. Pure: the engine asks which
 * choice an answer names, `flows:check` which words two choices share.
 */

/** One choice a caller can make by voice: the key it stands for and its words, the first being its name. */
export interface SpokenChoice {
  key: string;
  /** What the choice means: a shared choice's name (yes, desk, more…) or "option 2" for a menu's option. */
  name: string;
  words: readonly string[];
  /** Answers as callers say them: the node's own first, then those of the shared choice. */
  examples: readonly string[];
  /** Where the words are in the flow file, for error messages: "options[1].words", "speech.words.yes". */
  field: string;
}

/** A word or an answer as compared for clashes: lower case, curly apostrophes straight, punctuation as spaces. */
export function tidy(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .trim();
}

/** The words and examples of a choice shared by every question that offers it, with the node's own examples. */
function shared(speech: Speech, name: SharedChoice, key: string, own?: readonly string[]): SpokenChoice {
  return {
    key,
    name,
    words: speech.words[name] ?? [],
    examples: [...(own ?? []), ...(speech.examples[name] ?? [])],
    field: `speech.words.${name}`,
  };
}

/** A shared choice, where the flow gives it words (callback, text, thisPhone and anotherNumber are optional). */
function sharedIfGiven(speech: Speech, name: SharedChoice, key: string, own?: readonly string[]): SpokenChoice[] {
  return speech.words[name] === undefined ? [] : [shared(speech, name, key, own)];
}

/** The choices a flow node offers by voice, its own: options, yes/no/unsure, solved/again/next. Globals apart. */
export function spokenChoicesOf(node: FlowNode, speech: Speech): SpokenChoice[] {
  switch (node.type) {
    case 'menu':
      return node.options.map((o, i) => ({
        key: o.key,
        name: `option ${o.key}`,
        words: o.words ?? [],
        examples: o.examples ?? [],
        field: `options[${i}].words`,
      }));
    case 'question':
      return [
        shared(speech, 'yes', '1', node.examples?.yes),
        shared(speech, 'no', '2', node.examples?.no),
        ...(node.unsure === undefined ? [] : [shared(speech, 'unsure', '3', node.examples?.unsure)]),
      ];
    case 'instructions':
      return [
        shared(speech, 'solved', '1', node.examples?.solved),
        shared(speech, 'repeatSteps', '2', node.examples?.repeatSteps),
        ...(node.more === undefined ? [] : [shared(speech, 'more', '3', node.examples?.more)]),
        ...sharedIfGiven(speech, 'text', '8', node.examples?.text),
      ];
    case 'transfer':
    case 'end':
      return [];
  }
}

/** The words that work at every question: the desk (0), repeat (*), the main menu (9). */
export function globalChoices(speech: Speech): SpokenChoice[] {
  return [shared(speech, 'desk', '0'), shared(speech, 'repeat', '*'), shared(speech, 'mainMenu', '9')];
}

/** "The desk did not answer": try again (1) or end the call (2). */
export function deskRetryChoices(speech: Speech): SpokenChoice[] {
  return [shared(speech, 'tryAgain', '1'), shared(speech, 'endCall', '2')];
}

/** A confirmation: yes (1) or no (2). */
export function confirmationChoices(speech: Speech): SpokenChoice[] {
  return [shared(speech, 'yes', '1'), shared(speech, 'no', '2')];
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
export function offerChoices(speech: Speech): SpokenChoice[] {
  return [...sharedIfGiven(speech, 'callback', '3'), ...sharedIfGiven(speech, 'text', '8')];
}

/** "The desk is closed": a callback (3), a text message (8), or end the call (2). */
export function deskClosedChoices(speech: Speech): SpokenChoice[] {
  return [...offerChoices(speech), shared(speech, 'endCall', '2')];
}

/** "Called back on this phone (1), or key in another number (2)?" */
export function callbackNumberChoices(speech: Speech): SpokenChoice[] {
  return [...sharedIfGiven(speech, 'thisPhone', '1'), ...sharedIfGiven(speech, 'anotherNumber', '2')];
}

/** A place in a call where the caller may answer by voice, with the choices offered there. */
export interface DecisionPoint {
  /** A node's id, or one of the line's own steps: confirm, dial-failed, desk-closed, callback-number, … */
  id: string;
  /** Where, for a message: "at node 'username'", "at \"the desk did not answer\"". */
  where: string;
  /** The node, where the point is one of the flow's. */
  node?: string;
  choices: SpokenChoice[];
}

/** The line's own decision points, beside the flow's nodes. */
export const LINE_POINTS = {
  confirm: 'confirm',
  dialFailed: 'dial-failed',
  deskClosed: 'desk-closed',
  callbackNumber: 'callback-number',
  callbackConfirm: 'callback-confirm',
  callbackKeyed: 'callback-keyed',
  deskUnavailable: 'desk-unavailable',
} as const;

/** Every decision point of a flow that listens for speech, the flow's nodes first; none for a flow that does not. */
export function decisionPoints(flow: FlowFile): DecisionPoint[] {
  const speech = flow.speech;
  if (speech === undefined) return [];
  const everywhere = globalChoices(speech);
  const points: DecisionPoint[] = [];
  for (const [id, node] of Object.entries(flow.nodes)) {
    const own = spokenChoicesOf(node, speech);
    if (own.length > 0) points.push({ id, where: `at node '${id}'`, node: id, choices: [...own, ...everywhere] });
  }
  points.push(
    { id: LINE_POINTS.confirm, where: 'at "did you say …?"', choices: [...confirmationChoices(speech), ...everywhere] },
    {
      id: LINE_POINTS.dialFailed,
      where: 'at "the desk did not answer"',
      choices: [...deskRetryChoices(speech), ...offerChoices(speech), ...everywhere],
    },
    { id: LINE_POINTS.deskClosed, where: 'at "the desk is closed"', choices: [...deskClosedChoices(speech), ...everywhere] },
    {
      id: LINE_POINTS.callbackNumber,
      where: 'at "where shall the desk call you back"',
      choices: [...callbackNumberChoices(speech), ...everywhere],
    },
    { id: LINE_POINTS.callbackConfirm, where: 'at "is that number right"', choices: [...confirmationChoices(speech), ...everywhere] },
    // A number said there is read apart (spoken-number.ts in the engine); otherwise what works everywhere.
    { id: LINE_POINTS.callbackKeyed, where: 'at "key in the number"', choices: everywhere },
    // The last words, with the desk's number: star repeats them, 9 goes to the main menu; anything else is goodbye.
    { id: LINE_POINTS.deskUnavailable, where: "after the desk's number", choices: everywhere.filter((c) => c.key !== '0') },
  );
  return points;
}
