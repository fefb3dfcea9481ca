import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { referenceFor } from '../../src/engine/step';
import { spokenCode } from '../../src/flows/text';
import { simulatedCallSid } from '../../src/simulator/caller';

/** docs/transcripts/*.txt: the calls the docs quote. Each starts with the npm run call command that makes it. */
export const TRANSCRIPTS_DIR = 'docs/transcripts';
export const TRANSCRIPT_WIDTH = 110;

export interface DocumentedCall {
  command: string;
  keys: string;
  body: string;
}

export function documentedCall(file: string): DocumentedCall {
  const [command, ...rest] = readFileSync(join(TRANSCRIPTS_DIR, file), 'utf8').trimEnd().split('\n');
  const keys = /--keys (\S+)/.exec(command!)?.[1];
  if (keys === undefined) throw new Error(`${file}: the first line must be the npm run call command with --keys`);
  return { command: command!, keys, body: rest.join('\n') };
}

export function documentedCallFiles(): string[] {
  return readdirSync(TRANSCRIPTS_DIR)
    .filter((f) => f.endsWith('.txt'))
    .sort();
}

/**
 * A transcript of a call placed with another CallSid, read as the documented calls are: with the reference of
 * the documented CallSid. A spoken reference is always as long, so the lines wrap the same.
 */
export function asDocumented(transcript: string, callSid: string): string {
  const ours = spokenCode(referenceFor(callSid));
  const documented = referenceFor(simulatedCallSid('portal-line-demo'));
  // A reference may be wrapped across two lines: any white space may stand between its digits.
  const wrapped = new RegExp(ours.replace(/ /g, '\\s+'), 'g');
  return transcript.replace(wrapped, (found) => {
    let i = 0;
    return found.replace(/\d/g, () => documented[i++]!);
  });
}

/** The announcement a documented call's command puts on (`--announcement "WORDS"`, `--announcement-then desk`). */
export function announcementOf(command: string): { text: string; then: 'menu' | 'desk' } | undefined {
  const text = / --announcement "([^"]+)"/.exec(command)?.[1];
  if (text === undefined) return undefined;
  return { text, then: / --announcement-then desk\b/.test(command) ? 'desk' : 'menu' };
}
