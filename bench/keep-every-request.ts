import { IncomingMessage } from 'node:http';

/**
 * A deliberate leak, for the test of the soak's own judgement only (test/faults/soak-judgement.test.ts): preloaded
 * into a line process (`--require dist/bench/keep-every-request.js`), it keeps every request the process reads, its
 * URL, headers and body as text, for as long as the process lives, as a careless log or cache would: about a
 * kilobyte a webhook. Nothing else loads it.
 */

interface Kept {
  url: string;
  headers: string;
  body: string;
}

const kept: Kept[] = [];
(globalThis as { keptRequests?: Kept[] }).keptRequests = kept;
const BODY = Symbol('body read so far');

type Reading = IncomingMessage & { [BODY]?: string[] };
const push = IncomingMessage.prototype.push;
IncomingMessage.prototype.push = function (this: Reading, chunk: unknown, encoding?: BufferEncoding): boolean {
  if (Buffer.isBuffer(chunk)) (this[BODY] ??= []).push(chunk.toString('latin1'));
  else if (chunk === null) kept.push({ url: this.url ?? '', headers: this.rawHeaders.join('\n'), body: (this[BODY] ?? []).join('') });
  return push.call(this, chunk, encoding);
};
