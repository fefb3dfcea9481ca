import type { IncomingMessage } from 'node:http';
import { parse } from 'node:querystring';

/** A webhook's form parameters; a repeated name carries its values in order. */
export type FormParams = Record<string, string | string[]>;

/** A body the line will not read, with the status and the reason it is answered with. */
export class BodyRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface FormLimits {
  /** Largest body read, in bytes. */
  bytes: number;
  /** Most parameters a body may carry. */
  parameters: number;
}

const FORM_TYPE = 'application/x-www-form-urlencoded';
const NOT_A_FORM = 'Twilio webhooks must be sent as application/x-www-form-urlencoded';

/**
 * The content type's refusal, or null when the body is a form this reader takes: UTF-8 (stated or not) and not
 * compressed. Twilio sends its webhooks so.
 */
function headerRefusal(req: IncomingMessage, limits: FormLimits): BodyRefused | null {
  const header = req.headers['content-type'];
  if (header === undefined) return new BodyRefused(415, NOT_A_FORM);
  const semicolon = header.indexOf(';');
  const type = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  if (type !== FORM_TYPE) return new BodyRefused(415, NOT_A_FORM);
  if (semicolon !== -1) {
    const charset = /(?:^|;)\s*charset\s*=\s*"?([^";\s]*)/i.exec(header.slice(semicolon));
    if (charset !== null && !/^utf-?8$/i.test(charset[1]!)) return new BodyRefused(415, 'unsupported body encoding');
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') return new BodyRefused(415, 'unsupported body encoding');
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limits.bytes) return new BodyRefused(413, 'request body is too large');
  return null;
}

function parseForm(text: string, limits: FormLimits): FormParams {
  if (text === '') return Object.create(null) as FormParams;
  let count = 1;
  for (let i = text.indexOf('&'); i !== -1; i = text.indexOf('&', i + 1)) {
    if (++count > limits.parameters) throw new BodyRefused(413, 'too many parameters');
  }
  // node:querystring: '+' is a space; an escape that is not hex is kept as it came, and escaped bytes that are not
  // UTF-8 become U+FFFD (Twilio sends UTF-8); repeats become arrays; the result has no prototype, so a parameter
  // named __proto__ is only a parameter.
  return parse(text) as FormParams;
}

/**
 * Reads a webhook's form body: the content type is checked before a byte is read, the size is held to
 * `limits.bytes` as it arrives, and the parameters to `limits.parameters`. Written for the webhook path, where
 * express's body parser (its type matching, stream plumbing and the qs parser) cost more than the call's own step.
 */
export function readForm(req: IncomingMessage, limits: FormLimits): Promise<FormParams> {
  const refused = headerRefusal(req, limits);
  if (refused !== null) return Promise.reject(refused);
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let received = 0;
    let settled = false;
    const finish = (error: BodyRefused | null, params?: FormParams) => {
      if (settled) return;
      settled = true;
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      if (error === null) resolve(params!);
      else reject(error);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.bytes) {
        // The rest is read and dropped, as Node does for any body left unread, so that the client, still
        // sending, gets the 413 rather than a reset connection.
        finish(new BodyRefused(413, 'request body is too large'));
        req.resume();
        return;
      }
      if (first === undefined) first = chunk;
      else (more ??= [first]).push(chunk);
    };
    const onEnd = () => {
      const body = more === undefined ? first : Buffer.concat(more);
      try {
        finish(null, parseForm(body === undefined ? '' : body.toString('utf8'), limits));
      } catch (error) {
        finish(error instanceof BodyRefused ? error : new BodyRefused(400, 'malformed request'));
      }
    };
    // A connection that closes before the body is complete also ends here ("aborted").
    const onError = () => finish(new BodyRefused(400, 'malformed request'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
