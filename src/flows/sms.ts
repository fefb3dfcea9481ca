import { fill } from './text';
import { writtenPhoneNumber } from '../common/phone';
import type { FlowFile } from './schema';

/**
 * Text messages as the flow words them, and what they cost in SMS segments. A message in the GSM 03.38 alphabet
 * (GSM-7) takes 160 characters in one segment and 153 in each of several; any other character makes the whole
 * message UCS-2: 70 in one, 67 in each of several (a character outside the Basic Multilingual Plane takes two).
 */

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** Characters of the extension table: each takes two septets (an escape, then the character). */
const GSM_EXTENDED = '^{}\\[~]|€\f';

export interface SmsSize {
  encoding: 'GSM-7' | 'UCS-2';
  /** Septets (GSM-7) or 16-bit code units (UCS-2). */
  units: number;
  segments: number;
}

/** The most segments a message of the line may take. */
export const MAX_SEGMENTS = 2;

export function smsSize(text: string): SmsSize {
  let septets = 0;
  for (const c of text) {
    if (GSM_BASIC.includes(c)) septets += 1;
    else if (GSM_EXTENDED.includes(c)) septets += 2;
    else {
      const units = text.length; // UTF-16 code units, as UCS-2 (UTF-16) counts them
      return { encoding: 'UCS-2', units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
    }
  }
  return { encoding: 'GSM-7', units: septets, segments: septets <= 160 ? 1 : Math.ceil(septets / 153) };
}

/** The most characters a message of the line may have in `encoding` (two concatenated segments). */
export function maxUnits(encoding: SmsSize['encoding']): number {
  return encoding === 'GSM-7' ? 153 * MAX_SEGMENTS : 67 * MAX_SEGMENTS;
}

export interface MessageValues {
  reference: string;
  /** E.164. */
  bsdNumber: string;
  /** The desk's hours in words, as BSD_HOURS gives them. */
  hours: string;
}

/** The text message with a self-service node's steps; undefined for a node that has none. */
export function stepsMessage(flow: FlowFile, node: string, values: MessageValues): string | undefined {
  const n = flow.nodes[node];
  if (n?.type !== 'instructions') return undefined;
  return fill(flow.messages.steps, { ...written(values), steps: n.text ?? n.say });
}

/** The text message with the reference, the desk's number and its hours. */
export function deskMessage(flow: FlowFile, values: MessageValues): string {
  return fill(flow.messages.desk, written(values));
}

function written(values: MessageValues): Record<string, string> {
  return { reference: values.reference, bsdNumber: writtenPhoneNumber(values.bsdNumber), hours: values.hours };
}

/** What the flow check fills a message with: the longest likely values, so a message that passes fits. */
export const SAMPLE_VALUES: MessageValues = {
  reference: '000000',
  bsdNumber: '+18006052965',
  hours: 'Mon-Thu 08:00-17:00, Fri 08:00-16:30, Sat 09:00-12:00 (America/Toronto)',
};
