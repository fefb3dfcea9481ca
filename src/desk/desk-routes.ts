import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from '../common/log';
import type { FlowRegistry } from '../engine/registry';
import type { Desk } from './desk';
import type { LiveHub } from './live/live-hub';
import { deskPage, retentionWords, signInPage, type PageContext, type SignInView } from './views/pages';
import type { SignedIn, SignIns } from './sign-in/sign-in';
import type { OidcSignIn } from './sign-in/oidc';
import { oidcRoutes } from './sign-in/oidc-routes';
import { RefusalTally } from './sign-in/refusal-tally';
import { newToken, sameToken } from './sign-in/tokens';
import type { Callbacks } from '../requests/callbacks/callbacks';
import { parseWith } from '../common/validation';
import { announcementRoutes, type AnnouncementRoutesDeps } from './announcement/announcement-routes';
import { insightsRoutes, type InsightsRoutesDeps } from './insights/insights-routes';

/** A form that works a callback: which one, and for closing it, how it went. */
const callbackForm = z.object({
  id: z.string().regex(/^CA[0-9a-fA-F]{32}$/, 'must be the callback of a call (CA followed by 32 hex digits)'),
  outcome: z.enum(['done', 'not-reached'], { error: 'must be done or not-reached' }).optional(),
});

export interface DeskRoutesDeps {
  desk: Desk;
  callbacks?: Callbacks;
  hub: LiveHub;
  signIns: SignIns;
  /** Sign-in with the organisation's identity provider, when DESK_OIDC_ISSUER is set. */
  oidc?: OidcSignIn;
  /** Whether DESK_USERS names accounts: the password form is shown only then. */
  passwords: boolean;
  flows: FlowRegistry;
  logger: Logger;
  /** PUBLIC_BASE_URL: its scheme says whether cookies are Secure, its path where the desk is. */
  publicBaseUrl: string;
  timeZone: string;
  signInTtlSeconds: number;
  summaryTtlSeconds: number;
  /** DESK_TRUST_PROXY, for the address a sign-in comes from. */
  trustProxy?: number | string;
  /** Told of each sign-in refused because every password-check slot it could use was taken (a metric). */
  refused?: () => void;
  /** The announcement callers hear: its section of the page, and its forms. */
  announcements?: Pick<AnnouncementRoutesDeps, 'announcements' | 'draftContext'>;
  /** Told of each sign-in refused by the limits on failed sign-ins, by which (a metric). */
  locked?: (by: 'name-and-address' | 'address') => void;
  /** The flow insights page: the counts (none when off), the retention and the flow they are of. */
  insights?: Pick<InsightsRoutesDeps, 'insights' | 'retentionDays' | 'flow'>;
}

const SESSION_COOKIE = 'desk_session';
const FORM_COOKIE = 'desk_form';
/** Set at a sign-in: this browser's later sign-ins as that name may use the password check kept for agents. */
const DEVICE_COOKIE = 'desk_device';
const DEVICE_DAYS = 180;
const REFERENCE = /^\d{6}$/;
const DESK_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/** The early refusal's headers, those of every desk answer with its own (it comes before the desk's middleware). */
const BUSY_HEADERS = {
  'Retry-After': '2',
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': DESK_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** Cookie header -> name/value pairs; the first of a repeated name wins. */
function cookies(req: Request): Record<string, string> {
  const found: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!(name in found)) found[name] = part.slice(eq + 1).trim();
  }
  return found;
}

/** A wait in words: seconds under a minute, minutes otherwise. */
function waitWords(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

type SignedInRequest = Request & { signedIn: SignedIn };

/**
 * The desk page at /desk, an express app of its own (its own proxy trust, for the address of a sign-in). Pages
 * without a sign-in redirect to the sign-in form; data (the live stream, the JSON) answers 401; every form carries
 * a CSRF token; every answer says not to store it, so that nothing is left in the browser after signing out.
 */
export function deskApp(deps: DeskRoutesDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy ?? false);
  const url = new URL(deps.publicBaseUrl);
  const base = `${url.pathname.replace(/\/+$/, '')}/desk`;
  const secure = url.protocol === 'https:';
  const ctx: PageContext = { base, timeZone: deps.timeZone };
  const retention = retentionWords(deps.summaryTtlSeconds);
  const { signIns, logger } = deps;
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure, path: base };

  // Every password-check slot this browser could use is taken, and so is the room to wait: refused before the form
  // is read, its token checked or a page made (a flood's cost on the line). An agent's browser, with its device
  // cookie, or an address an agent has signed in from, may still use the slot kept for agents. Refusals are counted
  // and logged as one line per interval, not one each: a flood's log lines cost the line as much as its answers.
  const busy: RequestHandler = (req, res, next) => {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    signIns.busyFor(cookies(req)[DEVICE_COOKIE], address).then(
      (refuse) => {
        if (!refuse) {
          next();
          return;
        }
        refusals.add(address);
        res.writeHead(503, busyHeaders).end(busyPage);
      },
      (error: unknown) => next(error),
    );
  };
  const busyPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Business Support Desk</title></head><body><p>Too many sign-ins at once. Please <a href="${base}/sign-in">try again</a> in a moment.</p></body></html>`;
  const refusals = new RefusalTally(logger, deps.refused);
  const busyHeaders = { ...BUSY_HEADERS, 'Content-Length': String(Buffer.byteLength(busyPage)) };
  // First of all the routes: a refusal goes through no other.
  app.post('/sign-in', busy);

  app.use((_req, res, next) => {
    res.set({
      'Cache-Control': 'no-store',
      'Content-Security-Policy': DESK_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
    });
    next();
  });

  // The page's style sheet and its one script (src/desk/views, copied beside the compiled code by the build), read
  // once: each answer is the same text, asked again whenever the page loads (no-cache).
  for (const [file, type] of [
    ['desk.css', 'text/css'],
    ['desk.js', 'text/javascript'],
  ] as const) {
    const text = readFileSync(join(__dirname, 'views', file), 'utf8');
    app.get(`/assets/${file}`, (_req, res) => {
      res.type(type).set('Cache-Control', 'no-cache').send(text);
    });
  }

  /** The request's sign-in, or: a redirect to the form (pages), 401 (data). */
  const signedIn =
    (kind: 'page' | 'data'): RequestHandler =>
    async (req, res, next) => {
      const found = await signIns.find(cookies(req)[SESSION_COOKIE]);
      if (found === null) {
        if (kind === 'page') res.redirect(303, `${base}/sign-in`);
        else res.status(401).type('text/plain').send('sign in first');
        return;
      }
      (req as SignedInRequest).signedIn = found;
      next();
    };

  /** A form of a signed-in page: its CSRF token must be the sign-in's. */
  const withToken: RequestHandler = (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!sameToken(body.csrf, (req as SignedInRequest).signedIn.session.csrf)) {
      res.status(403).type('text/plain').send('this form has expired: reload the page and try again');
      return;
    }
    next();
  };

  /** No form is posted from another site, whatever its token (the browser says where a request comes from). */
  const sameSite: RequestHandler = (req, res, next) => {
    if (req.headers['sec-fetch-site'] === 'cross-site') {
      res.status(403).type('text/plain').send('forms are only taken from the desk page itself');
      return;
    }
    next();
  };

  /** The sign-in form, with a fresh token that its cookie must match when the form comes back. */
  const showSignIn = (res: Response, status: number, view: Omit<SignInView, 'csrf' | 'passwords' | 'oidc'> = {}) => {
    const csrf = newToken();
    if (deps.passwords) res.cookie(FORM_COOKIE, csrf, { ...cookieOptions, maxAge: 60 * 60 * 1000 });
    res
      .status(status)
      .type('html')
      .send(signInPage(ctx, { csrf, passwords: deps.passwords, oidc: deps.oidc !== undefined, ...view }));
  };

  app.get('/sign-in', async (req, res) => {
    if ((await signIns.find(cookies(req)[SESSION_COOKIE])) !== null) {
      res.redirect(303, base);
      return;
    }
    const signedOut = req.query['signed-out'];
    const endSession = signedOut === 'provider' ? await deps.oidc?.endSessionUrl() : undefined;
    const notice = signedOut === '1' ? 'You are signed out.' : signedOut === 'provider' ? 'You are signed out of the desk.' : undefined;
    showSignIn(res, 200, notice === undefined ? {} : { notice, endSession });
  });

  if (deps.oidc !== undefined) oidcRoutes(app, { ...deps, oidc: deps.oidc, base, cookieOptions, cookies, showSignIn });

  app.post('/sign-in', sameSite, form, async (req, res) => {
    if (!deps.passwords) {
      res.status(404).type('text/plain').send('not found');
      return;
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = typeof body.name === 'string' ? body.name.trim().slice(0, 64) : '';
    const password = typeof body.password === 'string' ? body.password.slice(0, 1024) : '';
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const expected = cookies(req)[FORM_COOKIE];
    if (expected === undefined || !sameToken(body.csrf, expected)) {
      logger.warn({ desk: 'sign-in-refused', reason: 'csrf', address }, 'desk sign-in refused: the form token does not match');
      showSignIn(res, 403, { name, problem: 'This form had expired. Please sign in again.' });
      return;
    }
    if (name === '' || password === '') {
      showSignIn(res, 400, { name, problem: 'Enter your name and your password.' });
      return;
    }
    const attempt = await signIns.attempt(name, password, address, cookies(req)[DEVICE_COOKIE]);
    if (attempt.ok) {
      logger.info({ desk: 'signed-in', user: name, address }, 'desk sign-in');
      res.clearCookie(FORM_COOKIE, cookieOptions);
      res.cookie(SESSION_COOKIE, attempt.token, { ...cookieOptions, maxAge: deps.signInTtlSeconds * 1000 });
      res.cookie(DEVICE_COOKIE, attempt.device, { ...cookieOptions, maxAge: DEVICE_DAYS * 24 * 60 * 60 * 1000 });
      res.redirect(303, base);
      return;
    }
    // An unknown name may be a password typed in the wrong box: logged only as a keyed digest.
    const who = attempt.known ? { user: name } : { unknownName: signIns.nameForLog(name) };
    if (attempt.why === 'locked') {
      deps.locked?.(attempt.by);
      logger.warn(
        { desk: 'sign-in-locked', ...who, address, by: attempt.by, retryAfterSeconds: attempt.retryAfterSeconds },
        'desk sign-in refused: too many failures, waiting',
      );
      res.set('Retry-After', String(attempt.retryAfterSeconds));
      showSignIn(res, 429, {
        name,
        problem: `Too many failed sign-ins from here. Try again in ${waitWords(attempt.retryAfterSeconds)}, or ask a colleague to check your account.`,
      });
      return;
    }
    if (attempt.why === 'busy') {
      refusals.add(address);
      res.set('Retry-After', '2');
      showSignIn(res, 503, { name, problem: 'Too many sign-ins at once. Please try again in a moment.' });
      return;
    }
    logger.warn({ desk: 'sign-in-failed', ...who, address }, 'desk sign-in refused: wrong name or password');
    showSignIn(res, 401, { name, problem: 'That name and password do not match. Check both and try again.' });
  });

  app.post('/sign-out', sameSite, signedIn('page'), form, withToken, async (req, res) => {
    const { id, session } = (req as SignedInRequest).signedIn;
    await signIns.signOut(id);
    await deps.desk.signedOut(id);
    logger.info({ desk: 'signed-out', user: session.user, address: req.ip }, 'desk sign-out');
    res.clearCookie(SESSION_COOKIE, cookieOptions);
    // A provider's sign-in: the page then offers the provider's own sign-out too.
    res.redirect(303, `${base}/sign-in?signed-out=${session.oidc === undefined ? '1' : 'provider'}`);
  });

  app.post('/search', sameSite, signedIn('page'), form, withToken, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const reference = typeof body.reference === 'string' ? body.reference.replace(/[\s-]/g, '').slice(0, 12) : '';
    res.redirect(303, `${base}?reference=${encodeURIComponent(reference)}#find`);
  });

  app.get('/', signedIn('page'), async (req, res) => {
    const { session } = (req as SignedInRequest).signedIn;
    const asked = typeof req.query.reference === 'string' ? req.query.reference.slice(0, 12) : undefined;
    const [day, found, callbacks, changes] = await Promise.all([
      deps.desk.day(),
      asked !== undefined && REFERENCE.test(asked) ? deps.desk.search(asked) : Promise.resolve(null),
      deps.callbacks === undefined ? Promise.resolve(undefined) : deps.callbacks.open(),
      deps.announcements?.announcements.changes(deps.desk.today()),
    ]);
    const said = deps.announcements;
    const announcement = said && { current: said.announcements.current(), changes: changes ?? [], ...said.draftContext() };
    const view = {
      insights: deps.insights?.insights !== undefined,
      user: session.user,
      csrf: session.csrf,
      day,
      retention,
      ...(callbacks === undefined ? {} : { callbacks }),
      ...(asked === undefined ? {} : { search: { reference: asked, found } }),
      ...(announcement && { announcement }),
    };
    res.type('html').send(deskPage(ctx, view, deps.flows));
  });

  /** Claim a callback, or close one this agent holds: 303 back to the list, or a 4xx that says why. */
  const workCallback = (action: 'claim' | 'close') => async (req: Request, res: Response) => {
    const { session } = (req as SignedInRequest).signedIn;
    const parsed = parseWith(callbackForm, req.body ?? {});
    if (!parsed.ok || deps.callbacks === undefined || (action === 'close' && parsed.value.outcome === undefined)) {
      const why = parsed.ok
        ? deps.callbacks === undefined
          ? 'callbacks are not kept here'
          : 'outcome: must be done or not-reached'
        : parsed.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      res.status(400).type('text/plain').send(`bad callback form: ${why}`);
      return;
    }
    const { id, outcome } = parsed.value;
    const result =
      action === 'claim' ? await deps.callbacks.claim(id, session.user) : await deps.callbacks.close(id, session.user, outcome!);
    logger.info({ desk: `callback-${action}`, user: session.user, callSid: id, outcome, result }, `desk callback ${action}`);
    if (result === 'claimed' || result === 'closed') {
      res.redirect(303, `${base}#callbacks`);
      return;
    }
    const words = {
      taken: 'another agent has claimed this callback, or it is closed',
      'not-yours': 'you have not claimed this callback',
      gone: 'this callback has expired or does not exist',
    };
    res
      .status(result === 'gone' ? 404 : 409)
      .type('text/plain')
      .send(words[result]);
  };
  app.post('/callbacks/claim', sameSite, signedIn('page'), form, withToken, workCallback('claim'));
  app.post('/callbacks/close', sameSite, signedIn('page'), form, withToken, workCallback('close'));

  if (deps.announcements !== undefined)
    announcementRoutes(app, { ...deps.announcements, ctx, logger, guards: { sameSite, signedIn: signedIn('page'), form, withToken } });

  if (deps.insights !== undefined)
    insightsRoutes(app, { ...deps.insights, ctx, today: () => deps.desk.today(), signedIn: signedIn('page') });

  app.get('/api/callbacks', signedIn('data'), async (_req, res) => {
    res.json({ callbacks: deps.callbacks === undefined ? [] : await deps.callbacks.open() });
  });

  app.get('/events', signedIn('data'), async (req, res) => {
    await deps.hub.open(res, (req as SignedInRequest).signedIn.id);
  });

  app.get('/api/transfers', signedIn('data'), async (_req, res) => {
    const day = await deps.desk.day();
    res.json({ day: day.day, transfers: day.cards });
  });

  app.get('/api/outcomes', signedIn('data'), async (_req, res) => {
    const day = await deps.desk.day();
    res.json({ day: day.day, counts: day.counts });
  });

  app.get('/api/calls', signedIn('data'), async (req, res) => {
    const reference = typeof req.query.reference === 'string' ? req.query.reference.replace(/\s/g, '') : '';
    if (!REFERENCE.test(reference)) {
      res.status(400).json({ error: 'reference must be six digits' });
      return;
    }
    res.json({ reference, calls: await deps.desk.search(reference) });
  });

  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found');
  });

  // The store not answering (or anything else): a plain 503, never a stack trace.
  app.use((error: Error & { status?: number }, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      res.end();
      return;
    }
    const status = error.status !== undefined && error.status >= 400 && error.status < 500 ? error.status : 503;
    if (status === 503) logger.warn({ route: `/desk${req.path}`, error: error.message }, 'desk: request failed');
    res
      .status(status)
      .type('text/plain')
      .send(status === 503 ? 'the desk page cannot reach its store right now; try again shortly' : 'bad request');
  });
  return app;
}
