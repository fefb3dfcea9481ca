import { XMLParser } from 'fast-xml-parser';

/** The TwiML verbs the line uses, read back from a document, as Twilio would see them. */
export type Verb =
  /** `loop` only when the document sets it. */
  | { verb: 'Say'; text: string; loop?: number }
  | { verb: 'Pause'; length: number }
  | {
      verb: 'Gather';
      action?: string;
      method: string;
      numDigits?: number;
      timeout: number;
      actionOnEmptyResult: boolean;
      /** What it listens for: "dtmf", or "dtmf speech" for a key or a spoken answer. */
      input: string[];
      /** The words it hints to the recogniser, when it listens for speech. */
      hints?: string[];
      /** The recogniser's model and how long a pause ends a spoken answer, as the document sets them. */
      speechModel?: string;
      speechTimeout?: string;
      /** The texts it speaks. */
      says: string[];
      /** What it plays while it listens, in order: its <Say> and <Pause> verbs. */
      plays: Verb[];
    }
  | { verb: 'Redirect'; url: string; method: string }
  | { verb: 'Dial'; action?: string; method: string; timeout: number; numbers: { number: string; url?: string }[] }
  | { verb: 'Hangup' }
  | { verb: 'Unknown'; name: string };

/** What the reader could not follow as Twilio would: unknown elements, nested or not, and GET methods. */
export interface Reading {
  verbs: Verb[];
  problems: string[];
}

type Node = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

function nameOf(node: Node): string {
  return Object.keys(node).find((k) => k !== ':@')!;
}

function textOf(children: Node[]): string {
  return children
    .map((c) => (typeof c['#text'] === 'string' ? c['#text'] : ''))
    .join('')
    .trim();
}

function childrenOf(node: Node): Node[] {
  return (node[nameOf(node)] as Node[] | undefined) ?? [];
}

const KNOWN_CHILDREN: Record<string, string[]> = { Gather: ['Say', 'Pause'], Dial: ['Number'], Say: [], Number: [], Redirect: [] };

/**
 * What is wrong with how a <Gather> listens for speech, by Twilio's rule: with a `speechModel`, `speechTimeout` is a
 * whole number of seconds (1 or more); `auto` only without a model. Twilio warns of the mix (13335, 13327, 13328):
 * https://www.twilio.com/docs/voice/twiml/gather#speechtimeout and https://www.twilio.com/docs/api/errors/13335
 * Undefined when it keeps the rule, or does not listen for speech.
 */
export function speechTimeoutProblem(gather: { input: string[]; speechModel?: string; speechTimeout?: string }): string | undefined {
  if (!gather.input.includes('speech')) return undefined;
  const { speechModel: model, speechTimeout: timeout } = gather;
  if (model === undefined) {
    if (timeout === undefined || timeout === 'auto' || /^[1-9]\d*$/.test(timeout)) return undefined;
    return `<Gather speechTimeout="${timeout}">: a whole number of seconds or auto`;
  }
  if (timeout !== undefined && /^[1-9]\d*$/.test(timeout)) return undefined;
  return `<Gather speechModel="${model}" speechTimeout="${timeout ?? ''}">: with a speech model, speechTimeout must be a whole number of seconds (warnings 13335, 13327, 13328)`;
}

/** Reads a TwiML document into verbs; anything else than a <Response> document is an error. */
export function readTwiml(xml: string): Verb[] {
  return readTwimlChecked(xml).verbs;
}

/** Reads a TwiML document, and says what in it a Twilio-like caller could not follow. */
export function readTwimlChecked(xml: string): Reading {
  const doc = parser.parse(xml) as Node[];
  const response = doc.find((n) => nameOf(n) === 'Response');
  if (response === undefined) throw new Error(`not a TwiML document: ${xml.slice(0, 120)}`);
  const problems: string[] = [];
  const verbOf = (node: Node): Verb => {
    const name = nameOf(node);
    const a = node[':@'] ?? {};
    const children = childrenOf(node);
    for (const child of children) {
      const childName = nameOf(child);
      if (childName !== '#text' && KNOWN_CHILDREN[name] !== undefined && !KNOWN_CHILDREN[name]!.includes(childName))
        problems.push(`unknown TwiML <${childName}> inside <${name}>`);
    }
    if (a.method !== undefined && a.method.toUpperCase() !== 'POST') problems.push(`<${name} method="${a.method}">: only POST is followed`);
    switch (name) {
      case 'Say':
        return { verb: 'Say', text: textOf(children), ...(a.loop === undefined ? {} : { loop: Number(a.loop) }) };
      case 'Pause':
        return { verb: 'Pause', length: Number(a.length ?? 1) };
      case 'Gather': {
        const input = (a.input ?? 'dtmf').split(/\s+/).filter((i) => i !== '');
        const listening = {
          input,
          ...(a.speechModel === undefined ? {} : { speechModel: a.speechModel }),
          ...(a.speechTimeout === undefined ? {} : { speechTimeout: a.speechTimeout }),
        };
        const problem = speechTimeoutProblem(listening);
        if (problem !== undefined) problems.push(problem);
        return {
          verb: 'Gather',
          ...(a.action === undefined ? {} : { action: a.action }),
          method: a.method ?? 'POST',
          ...(a.numDigits === undefined ? {} : { numDigits: Number(a.numDigits) }),
          timeout: Number(a.timeout ?? 5),
          actionOnEmptyResult: a.actionOnEmptyResult === 'true',
          ...(a.hints === undefined ? {} : { hints: a.hints.split(',').map((h) => h.trim()) }),
          ...listening,
          says: children.filter((c) => nameOf(c) === 'Say').map((c) => textOf(childrenOf(c))),
          plays: children.filter((c) => ['Say', 'Pause'].includes(nameOf(c))).map(verbOf),
        };
      }
      case 'Redirect':
        return { verb: 'Redirect', url: textOf(children), method: a.method ?? 'POST' };
      case 'Dial': {
        const numbers = children.filter((c) => nameOf(c) === 'Number');
        return {
          verb: 'Dial',
          ...(a.action === undefined ? {} : { action: a.action }),
          method: a.method ?? 'POST',
          timeout: Number(a.timeout ?? 30),
          // <Dial>+1800...</Dial> dials the text itself.
          numbers:
            numbers.length === 0
              ? [{ number: textOf(children) }]
              : numbers.map((c) => {
                  const attrs = c[':@'] ?? {};
                  return { number: textOf(childrenOf(c)), ...(attrs.url === undefined ? {} : { url: attrs.url }) };
                }),
        };
      }
      case 'Hangup':
        return { verb: 'Hangup' };
      default:
        return { verb: 'Unknown', name };
    }
  };
  return { verbs: childrenOf(response).map(verbOf), problems };
}
