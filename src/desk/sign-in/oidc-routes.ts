import type express from 'express';
import type { CookieOptions, Request, Response } from 'express';
import type { Logger } from '../../common/log';
import { PENDING_SECONDS, type OidcSignIn } from './oidc';

/** A sign-in with the provider under way: its state, nonce and PKCE verifier, signed, until the browser is back. */
const OIDC_COOKIE = 'desk_oidc';
/** The desk's sign-in cookie (desk-routes.ts): a provider's sign-in is the same kind as a password's. */
const SESSION_COOKIE = 'desk_session';

export interface OidcRoutesDeps {
  oidc: OidcSignIn;
  logger: Logger;
  /** Where the desk is, as the browser sees it. */
  base: string;
  /** The desk's cookies' attributes: HttpOnly, SameSite=Lax, Secure under https, the desk's path. */
  cookieOptions: CookieOptions;
  signInTtlSeconds: number;
  /** A request's cookies by name. */
  cookies(req: Request): Record<string, string>;
  /** The sign-in page, with a problem to show. */
  showSignIn(res: Response, status: number, view: { problem: string }): void;
}

/**
 * The desk's routes to and back from the organisation's identity provider: every way back that is not a sign-in is
 * a page that says why (400, 401, 403, 503), never a 500. What the provider sends back (a code, a state) is never
 * logged.
 */
export function oidcRoutes(app: express.Express, deps: OidcRoutesDeps): void {
  const { oidc, logger, base, cookieOptions, showSignIn } = deps;
  // To the provider, with this browser's state, nonce and PKCE verifier in a signed cookie until it comes back.
  app.get('/oidc/start', async (_req, res) => {
    const begun = await oidc.begin();
    if (!begun.ok) {
      logger.warn({ desk: 'sign-in-provider', reason: begun.reason }, 'desk sign-in: the identity provider could not be reached');
      res.set('Retry-After', '10');
      showSignIn(res, 503, { problem: "Your organisation's sign-in is not answering. Please try again in a moment." });
      return;
    }
    res.cookie(OIDC_COOKIE, begun.cookie, { ...cookieOptions, maxAge: PENDING_SECONDS * 1000 });
    res.redirect(303, begun.url);
  });

  // Back from the provider: its query goes to the sign-in as it came, and nowhere else.
  app.get('/oidc/callback', async (req, res) => {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    const done = await oidc.complete(query, deps.cookies(req)[OIDC_COOKIE]);
    res.clearCookie(OIDC_COOKIE, cookieOptions);
    if (done.ok) {
      logger.info({ desk: 'signed-in', user: done.session.user, via: 'oidc', address }, 'desk sign-in');
      res.cookie(SESSION_COOKIE, done.token, { ...cookieOptions, maxAge: deps.signInTtlSeconds * 1000 });
      res.redirect(303, base);
      return;
    }
    if (done.why === 'state') {
      logger.warn(
        { desk: 'sign-in-refused', via: 'oidc', reason: 'state', address },
        'desk sign-in refused: not a sign-in this browser began',
      );
      showSignIn(res, 400, {
        problem: 'This sign-in was not started from this page, or it took too long. Please sign in again.',
      });
      return;
    }
    if (done.why === 'refused') {
      logger.warn(
        { desk: 'sign-in-refused', via: 'oidc', reason: 'not-allowed', user: done.who, address },
        'desk sign-in refused: account not allowed',
      );
      showSignIn(res, 403, {
        problem: `The account ${done.who} may not use the desk page. If you work on the desk, ask for your account to be added to its group; or sign in with another account.`,
      });
      return;
    }
    if (done.why === 'unavailable') {
      logger.warn({ desk: 'sign-in-provider', reason: done.reason, address }, 'desk sign-in: the identity provider could not be reached');
      res.set('Retry-After', '10');
      showSignIn(res, 503, { problem: "Your organisation's sign-in is not answering. Please try again in a moment." });
      return;
    }
    logger.warn({ desk: 'sign-in-refused', via: 'oidc', reason: done.reason, address }, 'desk sign-in refused by the identity provider');
    showSignIn(res, 401, {
      problem:
        "Your organisation's sign-in did not confirm who you are (it was refused, or its answer did not check out). Please sign in again.",
    });
  });
}
