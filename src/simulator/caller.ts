import { createHash } from 'node:crypto';
import { signWebhook, type SignedWebhook } from '../telephony/signature';
import { readTwimlChecked, type Verb } from './twiml-reader';

/** What the caller does when the line waits: press a key, stay silent; or how the desk answers a transfer. */
export type Step =
  | { kind: 'key'; key: string }
  /** A spoken answer, as Twilio's recogniser would post it: the words and its confidence (0 to 1). */
  | { kind: 'speech'; text: string; confidence: number }
  | { kind: 'silence' }
  | { kind: 'desk'; outcome: DeskOutcome }
  | { kind: 'hangup' };

/** The confidence of a spoken answer when a step does not give one: a clear answer. */
export const DEFAULT_CONFIDENCE = 0.92;

/** "say:password" or "say:password@0.4": a spoken answer, with the recogniser's confidence. */
function speechStep(spec: string): Step {
  const match = /^say:(.*?)(?:@(\d*\.?\d+))?$/is.exec(spec);
  const text = match?.[1]?.trim() ?? '';
  const confidence = match?.[2] === undefined ? DEFAULT_CONFIDENCE : Number(match[2]);
  if (text === '' || !(confidence >= 0 && confidence <= 1))
    throw new Error(
      `unknown step '${spec}': say what the caller says, with an optional confidence from 0 to 1, e.g. say:password or say:password@0.4`,
    );
  return { kind: 'speech', text, confidence };
}
export type DeskOutcome = 'answered' | 'busy' | 'no-answer' | 'failed';

const DESK: Record<string, DeskOutcome> = {
  answer: 'answered',
  answered: 'answered',
  busy: 'busy',
  'no-answer': 'no-answer',
  noanswer: 'no-answer',
  failed: 'failed',
  fail: 'failed',
};

/**
 * "3,2,1" presses 3, 2 and 1; "6135550123" keys a number at one question; "say:password" says "password" (with a
 * confidence: "say:password@0.4"). "_" (or "pause") lets a question time out with no key. "answer", "busy",
 * "no-answer" and "failed" say how the desk answers the next transfer; "hangup" hangs up.
 */
export function parseSteps(spec: string): Step[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s): Step => {
      const lower = s.toLowerCase();
      if (lower === '_' || lower === 'pause' || lower === 'wait') return { kind: 'silence' };
      if (lower === 'hangup') return { kind: 'hangup' };
      const desk = DESK[lower];
      if (desk !== undefined) return { kind: 'desk', outcome: desk };
      // Ten digits at once: a phone number keyed at one question.
      if (/^[0-9*#]$/.test(s) || /^[0-9]{10}$/.test(s)) return { kind: 'key', key: s };
      if (lower.startsWith('say:')) return speechStep(s);
      throw new Error(
        `unknown step '${s}': use a key (0-9, *, #) or a 10-digit number keyed at once, say:WORDS (a spoken answer, say:password@0.4 with a confidence), _ for no key, answer, busy, no-answer, failed or hangup`,
      );
    });
}

export interface Reply {
  status: number;
  body: string;
}

/** Sends one signed webhook, as Twilio would. */
export type Transport = (webhook: SignedWebhook) => Promise<Reply>;

/** Sends webhooks with fetch, to the URL Twilio would call or, through `to`, to another address for it. */
export function fetchTransport(to: (url: string) => string = (url) => url): Transport {
  return async ({ url, body, headers }) => {
    const res = await fetch(to(url), { method: 'POST', headers, body });
    return { status: res.status, body: await res.text() };
  };
}

/** Where the line waits for the caller: a <Gather> for a key (or none), a <Dial> for how the desk answers. */
type Waiting = Extract<Verb, { verb: 'Gather' | 'Dial' }>;

export interface TranscriptLine {
  who: 'line' | 'caller' | 'transfer' | 'agent hears' | 'desk' | 'call' | 'error' | 'text';
  text: string;
}

export interface CallOptions {
  baseUrl: string;
  authToken: string;
  transport: Transport;
  /** The next thing the caller does where the line waits; null means the caller hangs up. */
  next: (at: Waiting) => Promise<Step | null> | Step | null;
  callSid?: string;
  accountSid?: string;
  /** The caller's number (From), E.164; by default +12045550123. */
  from?: string;
  /** Twilio's fallback URL; requested when a webhook fails, as Twilio does. */
  fallbackUrl?: string;
  maxRequests?: number;
  onLine?: (line: TranscriptLine) => void;
}

export interface CallResult {
  callSid: string;
  transcript: TranscriptLine[];
  /** How the call ended. */
  ending: 'line hung up' | 'end of document' | 'caller hung up' | 'too many requests' | 'error';
  errors: string[];
}

/** A CallSid for a simulated call; derived from `seed` when given, so transcripts are repeatable. */
export function simulatedCallSid(seed?: string): string {
  const source = seed ?? `${Date.now()}-${Math.random()}`;
  return `CA${createHash('md5').update(source).digest('hex')}`;
}

/** Places one call against the line and follows its TwiML as Twilio does. */
export async function placeCall(options: CallOptions): Promise<CallResult> {
  const callSid = options.callSid ?? simulatedCallSid();
  const common = {
    CallSid: callSid,
    AccountSid: options.accountSid ?? `AC${'0'.repeat(32)}`,
    From: options.from ?? '+12045550123',
    To: '+15555550100',
    Direction: 'inbound',
    ApiVersion: '2010-04-01',
  };
  const transcript: TranscriptLine[] = [];
  const errors: string[] = [];
  const say = (who: TranscriptLine['who'], text: string) => {
    const line = { who, text };
    transcript.push(line);
    options.onLine?.(line);
  };
  let requests = 0;
  const max = options.maxRequests ?? 200;
  // Without an action, <Gather> and <Dial> report to the URL of the document they are in, as Twilio does.
  let documentUrl = `${options.baseUrl}/voice`;

  const post = async (url: string, extra: Record<string, string>): Promise<Verb[] | null> => {
    requests++;
    const params = { ...common, CallStatus: 'in-progress', ...extra };
    let reply: Reply;
    try {
      reply = await options.transport(signWebhook(options.authToken, url, params));
      if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.body.slice(0, 200)}`);
      const reading = readTwimlChecked(reply.body);
      for (const problem of reading.problems) {
        errors.push(problem);
        say('error', problem);
      }
      documentUrl = url;
      return reading.verbs;
    } catch (error) {
      const message = `${url.replace(options.baseUrl, '')}: ${(error as Error).message}`;
      errors.push(message);
      say('error', message);
      return null;
    }
  };

  let verbs = await post(`${options.baseUrl}/voice`, { CallStatus: 'ringing' });
  let ending: CallResult['ending'] = 'end of document';
  document: while (true) {
    if (verbs === null) {
      if (options.fallbackUrl === undefined || requests >= max) {
        ending = 'error';
        break;
      }
      verbs = await post(options.fallbackUrl, { ErrorCode: '11200', ErrorUrl: `${options.baseUrl}/voice` });
      if (verbs === null) {
        ending = 'error';
        break;
      }
    }
    if (requests >= max) {
      ending = 'too many requests';
      break;
    }
    let nextDocument: Verb[] | null | undefined;
    for (const verb of verbs) {
      if (verb.verb === 'Say') say('line', verb.text);
      else if (verb.verb === 'Pause') continue;
      else if (verb.verb === 'Hangup') {
        ending = 'line hung up';
        break document;
      } else if (verb.verb === 'Redirect') {
        nextDocument = await post(verb.url, {});
        break;
      } else if (verb.verb === 'Gather') {
        for (const text of verb.says) say('line', text);
        const step = await options.next(verb);
        if (step === null || step.kind === 'hangup') {
          say('caller', 'hangs up');
          ending = 'caller hung up';
          break document;
        }
        if (step.kind === 'desk') throw new Error(`the line is waiting for a key, but the next step is the desk '${step.outcome}'`);
        if (step.kind === 'key') {
          say('caller', `presses ${step.key}`);
          nextDocument = await post(verb.action ?? documentUrl, { Digits: step.key });
          break;
        }
        if (step.kind === 'speech' && verb.input.includes('speech')) {
          // As Twilio posts a spoken answer: SpeechResult and Confidence, no Digits.
          say('caller', `says "${step.text}"`);
          nextDocument = await post(verb.action ?? documentUrl, { SpeechResult: step.text, Confidence: String(step.confidence) });
          break;
        }
        if (step.kind === 'speech') say('caller', `says "${step.text}", but the line listens for keys only here`);
        else say('caller', `presses nothing for ${verb.timeout} second${verb.timeout === 1 ? '' : 's'}`);
        if (verb.actionOnEmptyResult) {
          nextDocument = await post(verb.action ?? documentUrl, {});
          break;
        }
        // Without actionOnEmptyResult Twilio goes on to the next verb.
      } else if (verb.verb === 'Dial') {
        const number = verb.numbers[0]!;
        say('transfer', `dialling ${number.number}`);
        const step = await options.next(verb);
        const outcome = step?.kind === 'desk' ? step.outcome : step === null ? null : 'answered';
        if (outcome === null) {
          say('caller', 'hangs up');
          ending = 'caller hung up';
          break document;
        }
        if (outcome === 'answered' && number.url !== undefined) {
          const whisper = await post(number.url, {
            CallSid: simulatedCallSid(`${callSid}-leg-${requests}`),
            ParentCallSid: callSid,
            Direction: 'outbound-api',
          });
          for (const w of whisper ?? []) if (w.verb === 'Say') say('agent hears', w.text);
        }
        say('desk', outcome === 'answered' ? 'answers; the caller and the agent talk, then the agent hangs up' : outcome);
        if (verb.action !== undefined) {
          const dialStatus = outcome === 'answered' ? 'completed' : outcome;
          nextDocument = await post(verb.action, {
            DialCallStatus: dialStatus,
            ...(outcome === 'answered' ? { DialCallDuration: '120' } : {}),
          });
          break;
        }
      } else {
        const message = `unknown TwiML verb <${verb.name}>`;
        errors.push(message);
        say('error', message);
      }
    }
    if (nextDocument === undefined) break; // end of the document: Twilio hangs up
    verbs = nextDocument;
  }
  say('call', ending);
  // The status callback: Twilio wants any 2xx and reads no TwiML from it.
  const statusUrl = `${options.baseUrl}/voice/status`;
  const statusParams = { ...common, CallStatus: 'completed', CallDuration: '60' };
  try {
    const reply = await options.transport(signWebhook(options.authToken, statusUrl, statusParams));
    if (reply.status < 200 || reply.status > 299) throw new Error(`HTTP ${reply.status}: ${reply.body.slice(0, 200)}`);
  } catch (error) {
    errors.push(`/voice/status: ${(error as Error).message}`);
  }
  return { callSid, transcript, ending, errors };
}

/**
 * A scripted caller: takes the steps in order; when they run out at a question, hangs up. At a transfer, a desk
 * step says how the desk answers; without one the desk answers.
 */
export function scripted(steps: Step[]): CallOptions['next'] {
  const queue = [...steps];
  return (at) => {
    if (at.verb === 'Dial') return queue[0]?.kind === 'desk' ? queue.shift()! : { kind: 'desk', outcome: 'answered' };
    return queue.shift() ?? null;
  };
}

/** Wraps `text` at word boundaries to `width` columns. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > width) {
      out.push(current);
      current = word;
    } else current = current === '' ? word : `${current} ${word}`;
  }
  out.push(current);
  return out;
}

/** The transcript as text: who, then what, wrapped to `width` columns (0: no wrapping). */
export function formatTranscript(lines: TranscriptLine[], width = 0): string {
  const pad = 12;
  return lines
    .map((l) => {
      const label = l.who.toUpperCase().padEnd(pad);
      const body = width > pad + 20 ? wrap(l.text, width - pad) : [l.text];
      return body.map((b, i) => `${i === 0 ? label : ' '.repeat(pad)}${b}`).join('\n');
    })
    .join('\n');
}
