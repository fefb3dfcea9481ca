import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import type { Logger } from '../common/log';
import { isSignedByTwilio } from '../telephony/signature';
import { BodyRefused, readForm, type FormLimits, type FormParams } from './form-body';
import { describeIssues, parseWith } from '../common/validation';

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
const FORM_LIMITS: FormLimits = { bytes: 16 * 1024, parameters: 100 };

export interface GuardOptions {
  authToken: string;
  publicBaseUrl: string;
  /** When set, webhooks for any other Twilio account are refused. */
  accountSid?: string;
}

/** Answers a refused webhook with its status and reason, and logs it (the path only, never the query or body). */
export function refuseWebhook(req: Request, res: Response, logger: Logger, status: number, reason: string): void {
  res.status(status).type('text/plain').send(reason);
  // The path only: a query could carry anything a caller of this URL chose to put there.
  logger.warn({ route: req.originalUrl.split('?')[0], status, reason, remote: req.socket.remoteAddress }, 'webhook refused');
}

/**
 * In front of every webhook: the form body (its content type, size and parameter count), then the Twilio
 * signature. Nothing behind it runs, and no state is touched, for a request that fails either; `next` runs with
 * `req.body` holding the parameters.
 */
export function webhookGuard(options: GuardOptions, logger: Logger): RequestHandler {
  const signed = (req: Request, res: Response, next: NextFunction, body: FormParams) => {
    req.body = body;
    const signature = req.headers['x-twilio-signature'];
    const given = typeof signature === 'string' ? signature : undefined;
    if (!isSignedByTwilio(options.authToken, options.publicBaseUrl, req.originalUrl, given, body)) {
      refuseWebhook(req, res, logger, 403, given ? 'X-Twilio-Signature does not match this request' : 'missing X-Twilio-Signature');
      return;
    }
    if (options.accountSid !== undefined && body.AccountSid !== undefined && body.AccountSid !== options.accountSid) {
      refuseWebhook(req, res, logger, 403, 'this webhook is for another Twilio account');
      return;
    }
    next();
  };
  return (req: Request, res: Response, next: NextFunction) => {
    readForm(req, FORM_LIMITS)
      .then(
        (body) => signed(req, res, next, body),
        (error: unknown) => {
          if (error instanceof BodyRefused) refuseWebhook(req, res, logger, error.status, error.message);
          else next(error);
        },
      )
      // A fault here is the line's, not the request's: express's error handler answers it with TwiML to the desk.
      .catch(next);
  };
}
