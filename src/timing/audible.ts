import { readTwiml, type Verb } from '../simulator/twiml-reader';

/** One thing a TwiML document makes the listener hear, in order: speech, or a pause of so many seconds. */
export type Audible = { say: string } | { pause: number };

/**
 * What whoever the document plays to hears, as Twilio plays it: each `<Say>` (as many times as its `loop` asks) and each `<Pause>`, at
 * the top level and inside `<Gather>`, read with the simulator's TwiML reader. What `<Dial>` plays to the other side (its
 * whisper) is not heard here, nor the wait for a key or for the desk to answer.
 */
export function audibleParts(twiml: string): Audible[] {
  const parts: Audible[] = [];
  const hear = (verbs: readonly Verb[]) => {
    for (const verb of verbs) {
      if (verb.verb === 'Say' && verb.text !== '') {
        // loop="0" repeats without end; a listener hears it once before pressing a key.
        for (let i = 0; i < Math.max(1, verb.loop ?? 1); i++) parts.push({ say: verb.text });
      } else if (verb.verb === 'Pause') parts.push({ pause: verb.length });
      else if (verb.verb === 'Gather') hear(verb.plays);
    }
  };
  hear(readTwiml(twiml));
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
