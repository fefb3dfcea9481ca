import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import type { Logger } from '../log';
import { isSignedByTwilio } from '../telephony/signature';
import { describeIssues, parseWith } from '../validation';

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

export interface GuardOptions {
  authToken: string;
  publicBaseUrl: string;
  /** When set, webhooks for any other Twilio account are refused. */
  accountSid?: string;
}

/**
 * In front of every webhook: the form content type, then the Twilio signature. Nothing behind it runs, and no
 * state is touched, for a request that fails either.
 */
export function webhookGuard(options: GuardOptions, logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const refuse = (status: number, reason: string) => {
      res.status(status).type('text/plain').send(reason);
      // The path only: a query could carry anything a caller of this URL chose to put there.
      logger.warn({ route: req.originalUrl.split('?')[0], status, reason, remote: req.socket.remoteAddress }, 'webhook refused');
    };
    if (!req.is('application/x-www-form-urlencoded')) {
      refuse(415, 'Twilio webhooks must be sent as application/x-www-form-urlencoded');
      return;
    }
    const body: Record<string, unknown> = (req.body as Record<string, unknown> | undefined) ?? {};
    const signature = req.header('x-twilio-signature');
    if (!isSignedByTwilio(options.authToken, options.publicBaseUrl, req.originalUrl, signature, body)) {
      refuse(403, signature ? 'X-Twilio-Signature does not match this request' : 'missing X-Twilio-Signature');
      return;
    }
    if (options.accountSid !== undefined && body.AccountSid !== undefined && body.AccountSid !== options.accountSid) {
      refuse(403, 'this webhook is for another Twilio account');
      return;
    }
    next();
  };
}
