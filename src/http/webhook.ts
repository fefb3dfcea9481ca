import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import type { Logger } from '../common/log';
import { isSignedByTwilio } from '../telephony/signature';
import { describeIssues, parseWith } from '../common/validation';
import { cut, pathOf, RefusalLog } from './refusal-log';

export class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Parses `input` or throws a 400 that says which parameter is wrong and why. */
export function parseOr400<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = parseWith(schema, input ?? {});
  if (!parsed.ok) throw new BadRequest(400, `invalid ${what}: ${describeIssues(parsed.issues)}`);
  return parsed.value;
}

/** Twilio's webhooks are a few hundred bytes with a few dozen parameters. */
export const FORM_LIMITS = { bytes: 16 * 1024, parameters: 100 };

export interface GuardOptions {
  authToken: string;
  publicBaseUrl: string;
  /** When set, webhooks for any other Twilio account are refused. */
  accountSid?: string;
}

const FORM_TYPE = 'application/x-www-form-urlencoded';
const NOT_A_FORM = 'Twilio webhooks must be sent as application/x-www-form-urlencoded';
const UNSUPPORTED_ENCODING = 'unsupported body encoding';

/** The reason a body-parser error is answered with, by its `type`; any other 4xx is a malformed request. */
const BODY_REFUSALS: Record<string, { status: number; reason: string }> = {
  'charset.unsupported': { status: 415, reason: UNSUPPORTED_ENCODING },
  'encoding.unsupported': { status: 415, reason: UNSUPPORTED_ENCODING },
  'entity.too.large': { status: 413, reason: 'request body is too large' },
};

/**
 * A form's parameters, or undefined beyond FORM_LIMITS.parameters: a name posted more than once carries its values
 * in a list, in order; `__proto__` is dropped, so that no prototype changes, and the object is a plain one.
 */
export function formParameters(form: string): Record<string, string | string[]> | undefined {
  const params: Record<string, string | string[]> = {};
  let count = 0;
  for (const [name, value] of new URLSearchParams(form)) {
    if (++count > FORM_LIMITS.parameters) return undefined;
    if (name === '__proto__') continue;
    const before = Object.hasOwn(params, name) ? params[name] : undefined;
    params[name] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
  }
  return params;
}

/** A charset other than UTF-8 stated in the content type (body-parser would also read ISO-8859-1). */
function statesAnotherCharset(contentType: string): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType);
  return charset !== null && !/^utf-?8$/i.test(charset[1]!);
}

/**
 * Answers a refused webhook with its status and reason, and logs it, sampled (the path only, cut short). `detail`,
 * for the sender only, follows the reason in the answer and is not logged.
 */
export function refuseWebhook(req: Request, res: Response, refusals: RefusalLog, status: number, reason: string, detail?: string): void {
  res
    .status(status)
    .type('text/plain')
    .send(detail === undefined ? reason : `${reason}. ${detail}`);
  const callSid: unknown = (req.body as Record<string, unknown> | undefined)?.CallSid;
  refusals.refused(status, reason, {
    route: pathOf(req.originalUrl),
    callSid: typeof callSid === 'string' ? callSid : undefined,
    remote: req.socket.remoteAddress,
  });
}

/**
 * Which URL the line checks a signature against and, when the signature is good for the URL the request came to
 * (its Host, as this server saw it), that one: a sender that signed over another address than PUBLIC_BASE_URL
 * (another port, http for https) learns which. Only public URLs: never the token, nor what the signature is.
 */
function signedOver(options: GuardOptions, req: Request, signature: string, body: Record<string, unknown>): string {
  const expected = cut(`${options.publicBaseUrl}${req.originalUrl}`);
  const host = req.headers.host;
  const received = host === undefined || !/^[\w.:[\]-]+$/.test(host) ? undefined : `${req.protocol}://${host}`;
  const elsewhere =
    received !== undefined &&
    received !== options.publicBaseUrl &&
    isSignedByTwilio(options.authToken, received, req.originalUrl, signature, body);
  return elsewhere
    ? `It was signed over ${cut(received + req.originalUrl)}, but the line checks signatures over ${expected} (its PUBLIC_BASE_URL, ${options.publicBaseUrl}): set PUBLIC_BASE_URL to the URL the webhooks are sent to, or send them to that one`
    : `The line checks signatures over ${expected} (its PUBLIC_BASE_URL, ${options.publicBaseUrl}, and the path): sign over that URL with the line's auth token`;
}

/**
 * In front of every webhook: the form body (read by express: its content type, charset and size; then its parameter
 * count), then the Twilio signature. Nothing behind it runs, and no state is touched, for a request that fails
 * either; `next` runs with `req.body` holding the parameters (a repeated name carries its values in an array).
 */
export function webhookGuard(options: GuardOptions, logger: Logger, refusals = new RefusalLog(logger)): RequestHandler {
  // express reads the body (its type, size and encoding); the platform's URLSearchParams parses it. In place of
  // express.urlencoded, whose qs parser took 11.5-12.1 µs a webhook against 5.0-5.4 µs for ~30 Twilio parameters.
  const readForm = express.text({
    type: FORM_TYPE,
    limit: FORM_LIMITS.bytes,
    defaultCharset: 'utf-8',
    // Twilio does not compress its webhooks; a compressed body is refused before it is inflated.
    inflate: false,
  });
  const signed = (req: Request, res: Response, next: NextFunction) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const signature = req.headers['x-twilio-signature'];
    const given = typeof signature === 'string' ? signature : undefined;
    if (!isSignedByTwilio(options.authToken, options.publicBaseUrl, req.originalUrl, given, body)) {
      if (given === undefined || given === '') refuseWebhook(req, res, refusals, 403, 'missing X-Twilio-Signature');
      else refuseWebhook(req, res, refusals, 403, 'X-Twilio-Signature does not match this request', signedOver(options, req, given, body));
      return;
    }
    if (options.accountSid !== undefined && body.AccountSid !== undefined && body.AccountSid !== options.accountSid) {
      refuseWebhook(req, res, refusals, 403, 'this webhook is for another Twilio account');
      return;
    }
    next();
  };
  return (req: Request, res: Response, next: NextFunction) => {
    // express.urlencoded passes over a body that is not a form; a webhook must be one.
    const contentType = req.headers['content-type'];
    if (contentType === undefined || !req.is(FORM_TYPE)) {
      refuseWebhook(req, res, refusals, 415, NOT_A_FORM);
      return;
    }
    if (statesAnotherCharset(contentType)) {
      refuseWebhook(req, res, refusals, 415, UNSUPPORTED_ENCODING);
      return;
    }
    readForm(req, res, (error?: unknown) => {
      if (error === undefined) {
        const params = formParameters(typeof req.body === 'string' ? req.body : '');
        if (params === undefined) {
          req.body = undefined;
          refuseWebhook(req, res, refusals, 413, 'too many parameters');
          return;
        }
        req.body = params;
        // This runs from the body stream's callback, outside express's own try: a throw goes to express's
        // error handler here.
        try {
          signed(req, res, next);
        } catch (fault) {
          next(fault);
        }
        return;
      }
      const status = (error as { status?: unknown }).status;
      if (typeof status !== 'number' || status < 400 || status >= 500) {
        // Not the request's fault: express's error handler answers it with TwiML to the desk.
        next(error);
        return;
      }
      const known = BODY_REFUSALS[String((error as { type?: unknown }).type)];
      req.body = undefined;
      refuseWebhook(req, res, refusals, known?.status ?? 400, known?.reason ?? 'malformed request');
    });
  };
}
