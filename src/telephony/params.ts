import { z } from 'zod';
import { dialProblem } from '../engine/call-machine';

/** Webhook parameters, as Twilio posts them. Unknown parameters are ignored; Twilio adds new ones over time. */

export const callSid = z.string().regex(/^CA[0-9a-fA-F]{32}$/, 'must be a Twilio CallSid (CA followed by 32 hex digits)');
const accountSid = z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio AccountSid (AC followed by 32 hex digits)');

export const callParams = z.object({
  CallSid: callSid,
  AccountSid: accountSid.optional(),
  From: z.string().max(64).optional(),
  To: z.string().max(64).optional(),
});

/**
 * Digits may hold anything (a caller's keypad, a misdialled string): it is classified, never rejected. A spoken
 * answer comes as SpeechResult (the words as recognised) and Confidence (0 to 1, as text: "0.9134"), without Digits.
 */
export const inputParams = callParams.extend({
  Digits: z.string().max(256).optional(),
  SpeechResult: z.string().max(2000, 'SpeechResult must be at most 2000 characters').optional(),
  Confidence: z
    .string()
    .trim()
    .regex(/^(?:0(?:\.\d+)?|1(?:\.0+)?|\.\d+)$/, 'Confidence must be a number from 0 to 1, such as 0.91')
    .transform(Number)
    .optional(),
});

export const dialStatus = z.enum(['completed', 'answered', 'busy', 'no-answer', 'failed', 'canceled']);
export const dialParams = callParams.extend({
  DialCallStatus: dialStatus,
});

export const callStatus = z.enum(['queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled']);
/**
 * A status callback ends the call whatever else it carries: only what identifies the call (CallSid, CallStatus)
 * must be valid. The rest is recorded when it parses, and left out otherwise.
 */
export const statusParams = z.object({
  CallSid: callSid,
  CallStatus: callStatus,
  AccountSid: accountSid.optional().catch(undefined),
  From: z.string().max(64).optional().catch(undefined),
  To: z.string().max(64).optional().catch(undefined),
  /** Whole seconds, as Twilio sends them: "75". Anything else ("1.5", "-1", "abc", "") is no duration. */
  CallDuration: z
    .string()
    .regex(/^\d{1,9}$/)
    .transform(Number)
    .optional()
    .catch(undefined),
});

/** The turn a Gather or Dial action answers, from `?t=`: the session version the prompt was made at. */
export const turnQuery = z.object({
  t: z.coerce.number().int().min(0).max(1_000_000),
});

/** After the desk's announcement: the turn, and where the caller goes next (the main menu, or the desk). */
export const announcedQuery = turnQuery.extend({
  then: z.enum(['menu', 'desk'], { error: 'must be menu or desk' }),
});

export const whisperQuery = z.object({
  w: z.string().min(1).max(2000),
});

/** What the rescue's desk-retry dialog remembers without a store: see turn/rescue.ts. */
export const rescueQuery = z.object({
  /** Which question: "try again?" (f) or the last words with the desk's number (u). */
  s: z.enum(['f', 'u']).default('f'),
  /** Failed answers at it. */
  n: z.coerce.number().int().min(0).max(10).default(0),
  /** Dials to the desk that did not connect. */
  d: z.coerce.number().int().min(0).max(10).default(0),
  /** Why the last dial ended. */
  p: dialProblem.optional(),
  /** A spoken answer being confirmed: the key it stands for, and the recogniser's confidence. */
  c: z.enum(['0', '1', '2', '*', '9']).optional(),
  k: z.coerce.number().min(0).max(1).optional(),
});
export type RescueQuery = z.infer<typeof rescueQuery>;

export const rescueDialQuery = rescueQuery.pick({ d: true });

export type DialStatus = z.infer<typeof dialStatus>;
