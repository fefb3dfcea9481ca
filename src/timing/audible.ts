import { XMLParser } from 'fast-xml-parser';

/** One thing a TwiML document makes the listener hear, in order: speech, or a pause of so many seconds. */
export type Audible = { say: string } | { pause: number };

type Node = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

const nameOf = (node: Node) => Object.keys(node).find((k) => k !== ':@')!;
const childrenOf = (node: Node) => (node[nameOf(node)] as Node[] | undefined) ?? [];
const textOf = (node: Node) =>
  childrenOf(node)
    .map((c) => (typeof c['#text'] === 'string' ? c['#text'] : ''))
    .join('')
    .trim();

/**
 * What whoever the document plays to hears, as Twilio plays it: each `<Say>` (as many times as its `loop` asks)
 * and each `<Pause>` (one second unless `length` says), at the top level and inside `<Gather>`. What `<Dial>`
 * plays to the other side (its whisper) is not heard here, nor the wait for a key or for the desk to answer.
 */
export function audibleParts(twiml: string): Audible[] {
  const doc = parser.parse(twiml) as Node[];
  const response = doc.find((n) => nameOf(n) === 'Response');
  if (response === undefined) throw new Error(`not a TwiML document: ${twiml.slice(0, 120)}`);
  const parts: Audible[] = [];
  const visit = (nodes: Node[]) => {
    for (const node of nodes) {
      const name = nameOf(node);
      const attributes = node[':@'] ?? {};
      if (name === 'Say') {
        const text = textOf(node);
        // loop="0" repeats without end; a listener hears it once before pressing a key.
        const times = Math.max(1, Number(attributes.loop ?? 1) || 1);
        for (let i = 0; i < times; i++) if (text !== '') parts.push({ say: text });
      } else if (name === 'Pause') parts.push({ pause: Number(attributes.length ?? 1) });
      else if (name === 'Gather') visit(childrenOf(node));
    }
  };
  visit(childrenOf(response));
  return parts;
}

/** How long `parts` take: speech timed by `sayOf`, pauses as written. */
export function partsSeconds(parts: readonly Audible[], sayOf: (text: string) => number): number {
  return parts.reduce((sum, part) => sum + ('say' in part ? sayOf(part.say) : part.pause), 0);
}

/** The words heard, for naming a prompt: its first `count` words, then an ellipsis when there are more. */
export function firstWords(parts: readonly Audible[], count = 6): string {
  const words = parts.flatMap((p) => ('say' in p ? p.say.split(/\s+/) : []));
  return words.length <= count ? words.join(' ') : `${words.slice(0, count).join(' ')} …`;
}
