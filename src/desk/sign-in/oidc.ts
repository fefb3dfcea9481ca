import * as client from 'openid-client';
import type { Logger } from '../../common/log';
import type { DeskSession, SignInSessions } from '../desk-store';
import { Sealer } from './sealed';
import { newToken, tokenId } from './tokens';

/** What the line is told of its identity provider (DESK_OIDC_*), and where the provider sends agents back. */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string;
  groupsClaim: string;
  allowedGroups: readonly string[];
  allowedDomains: readonly string[];
  clockSkewSeconds: number;
  recheckSeconds: number;
  /** PUBLIC_BASE_URL + /desk/oidc/callback, registered with the provider. */
  redirectUri: string;
  /** Where the provider's sign-out sends the browser back: the desk's sign-in page. */
  postLogoutRedirectUri: string;
}

export interface OidcOptions {
  settings: OidcSettings;
  store: SignInSessions;
  /** The line's secret (TWILIO_AUTH_TOKEN): signs the pending sign-in's cookie, seals refresh tokens in the store. */
  secret: string;
  /** DESK_SIGN_IN_TTL_SECONDS: the longest a sign-in lives, however often it is renewed. */
  ttlSeconds: number;
  logger: Logger;
  now?: () => number;
}

/** How long a browser may take at the provider between leaving the desk and coming back. */
export const PENDING_SECONDS = 10 * 60;

export type Completion =
  | { ok: true; token: string; id: string; session: DeskSession }
  /** No pending sign-in, or another one: a `state` that is not this browser's, changed, replayed or too old. */
  | { ok: false; why: 'state' }
  /** The provider said who it is, and the account is not one the desk lets in. */
  | { ok: false; why: 'refused'; who: string }
  /** The provider refused, or what it answered did not check out (signature, issuer, audience, expiry, nonce, PKCE). */
  | { ok: false; why: 'failed'; reason: string }
  /** The provider could not be reached. */
  | { ok: false; why: 'unavailable'; reason: string };

interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  expiresAt: number;
}

/** Claims as the ID token gives them: only what the desk reads. */
type Claims = Record<string, unknown>;

/** A provider's error, as much as may be logged of it: its name and code, never a token or code. */
function reasonOf(error: unknown): string {
  if (error instanceof client.ResponseBodyError) return `${error.error}${error.status ? ` (${error.status})` : ''}`;
  if (error instanceof client.AuthorizationResponseError) return error.error;
  if (error instanceof Error) {
    const { code } = error as Error & { code?: unknown };
    // A claim's check names the claim (exp, iat, nonce), a cause or two down: never its value.
    let cause: unknown = error.cause;
    for (let depth = 0; depth < 3 && typeof cause === 'object' && cause !== null && !('claim' in cause); depth++)
      cause = (cause as { cause?: unknown }).cause;
    const named = typeof cause === 'object' && cause !== null ? (cause as { claim?: unknown }).claim : undefined;
    const claim = typeof named === 'string' ? ` (${named})` : '';
    return `${typeof code === 'string' ? `${code}: ` : ''}${error.message.slice(0, 200)}${claim}`;
  }
  return 'unknown error';
}

/** Whether an error is the provider answering no (the grant is gone, the account too), not a fault on the way. */
/** How long a provider that did not answer a re-check is left alone before the next try. */
const UNREACHABLE_RETRY_MS = 30_000;

function providerSaidNo(error: unknown): boolean {
  return error instanceof client.ResponseBodyError && error.status >= 400 && error.status < 500;
}

/**
 * Sign-in with the organisation's OpenID Connect provider (openid-client): the authorization code flow with PKCE,
 * `state` and `nonce`, kept until the browser comes back in a signed cookie of its own; the ID token's signature,
 * issuer, audience and times checked by the library, with a clock-skew allowance. An account the settings let in
 * gets a sign-in of the same kind as a password's (in the desk store, so every instance knows it); it is checked
 * with the provider again every `recheckSeconds` (a refresh) and lives at most `ttlSeconds` in all.
 */
export class OidcSignIn {
  private configuration: Promise<client.Configuration> | undefined;
  private readonly cookieSealer: Sealer;
  private readonly tokenSealer: Sealer;
  private readonly now: () => number;
  /** Re-checks under way in this process, by sign-in id: one refresh for a page's many requests. */
  private readonly rechecks = new Map<string, Promise<DeskSession | null>>();
  /** Whether the log has said that the provider gives no refresh token (once a process). */
  private toldNoRefresh = false;
  /** Until when this process takes the provider as unreachable: re-checks due meanwhile wait, without a try each. */
  private unreachableUntil = 0;

  constructor(private readonly options: OidcOptions) {
    this.cookieSealer = new Sealer(options.secret, 'desk-oidc-pending');
    this.tokenSealer = new Sealer(options.secret, 'desk-oidc-refresh');
    this.now = options.now ?? Date.now;
  }

  /** The provider's configuration, discovered once; a failed discovery is tried again on the next sign-in. */
  private config(): Promise<client.Configuration> {
    const { settings } = this.options;
    this.configuration ??= client
      .discovery(
        new URL(settings.issuer),
        settings.clientId,
        {
          ...(settings.clientSecret !== undefined && { client_secret: settings.clientSecret }),
          [client.clockTolerance]: settings.clockSkewSeconds,
        },
        settings.clientSecret === undefined ? client.None() : client.ClientSecretBasic(settings.clientSecret),
        {
          timeout: 5,
          // Plain http is allowed by the configuration only for a provider on this machine.
          ...(settings.issuer.startsWith('http:') && { execute: [client.allowInsecureRequests] }),
        },
      )
      .catch((error: unknown) => {
        this.configuration = undefined;
        throw error;
      });
    return this.configuration;
  }

  /** Where to send the browser, and the cookie that keeps this sign-in's state, nonce and PKCE verifier until then. */
  async begin(): Promise<{ ok: true; url: string; cookie: string } | { ok: false; reason: string }> {
    let config: client.Configuration;
    try {
      config = await this.config();
    } catch (error) {
      return { ok: false, reason: reasonOf(error) };
    }
    const pending: Pending = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      expiresAt: this.now() + PENDING_SECONDS * 1000,
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.options.settings.redirectUri,
      scope: this.options.settings.scopes,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    });
    return { ok: true, url: url.href, cookie: this.cookieSealer.sign(Buffer.from(JSON.stringify(pending)).toString('base64url')) };
  }

  /** The pending sign-in a cookie holds, when it is one this line made and it is not too old. */
  private pending(cookie: string | undefined): Pending | undefined {
    const value = this.cookieSealer.unsign(cookie);
    if (value === undefined) return undefined;
    try {
      const p = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Pending>;
      if (typeof p.state !== 'string' || typeof p.nonce !== 'string' || typeof p.verifier !== 'string' || typeof p.expiresAt !== 'number')
        return undefined;
      return p.expiresAt > this.now() ? (p as Pending) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The browser back from the provider: `query` is the callback's query string as it came, `cookie` the pending
   * sign-in's. The code is exchanged only when the state is this browser's; the library checks the rest.
   */
  async complete(query: string, cookie: string | undefined): Promise<Completion> {
    const pending = this.pending(cookie);
    const params = new URLSearchParams(query);
    if (pending === undefined || params.get('state') !== pending.state) return { ok: false, why: 'state' };
    let config: client.Configuration;
    try {
      config = await this.config();
    } catch (error) {
      return { ok: false, why: 'unavailable', reason: reasonOf(error) };
    }
    // The URL the provider sent the browser to, rebuilt from the configured public one (never from Host): the
    // library sends it as the redirect_uri of the code's exchange.
    const current = new URL(this.options.settings.redirectUri);
    current.search = params.toString();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      if (error instanceof TypeError || (error instanceof Error && /fetch failed|timed? ?out|ECONNREFUSED/i.test(error.message)))
        return { ok: false, why: 'unavailable', reason: reasonOf(error) };
      return { ok: false, why: 'failed', reason: reasonOf(error) };
    }
    const claims = tokens.claims() as Claims | undefined;
    if (claims === undefined) return { ok: false, why: 'failed', reason: 'no ID token' };
    const verdict = this.admit(claims);
    if (!verdict.ok) return { ok: false, why: 'refused', who: verdict.who };
    const now = this.now();
    const session: DeskSession = {
      user: verdict.name,
      csrf: newToken(),
      createdAt: now,
      expiresAt: now + this.options.ttlSeconds * 1000,
      oidc: {
        sub: String(claims.sub),
        checkAt: now + this.options.settings.recheckSeconds * 1000,
        ...(tokens.refresh_token !== undefined && { refresh: this.tokenSealer.seal(tokens.refresh_token) }),
      },
    };
    if (tokens.refresh_token === undefined && !this.toldNoRefresh) {
      this.toldNoRefresh = true;
      this.options.logger.warn(
        { desk: 'sign-in-no-refresh' },
        'desk: the identity provider gave no refresh token, so its sign-ins end at their first re-check (DESK_OIDC_RECHECK_SECONDS); ask for one (offline_access in DESK_OIDC_SCOPES for Entra ID and Okta)',
      );
    }
    const token = newToken();
    const id = tokenId(token);
    await this.options.store.putSession(id, session, this.options.ttlSeconds);
    return { ok: true, token, id, session };
  }

  /**
   * Whether the claims name an account the desk lets in: one of the allowed groups in the group claim, or an email
   * address the token says is verified (`email_verified: true`) at an allowed domain. The agent is named by what
   * only that account has, its verified email or else its subject, after its display name: "Ann Agent <ann@example.org>".
   * A display name is the account's to change, and two people may share one: it never names an agent alone, so that
   * no one can take another's callbacks or sign their changes by renaming themselves.
   */
  admit(claims: Claims): { ok: true; name: string } | { ok: false; who: string } {
    const { groupsClaim, allowedGroups, allowedDomains } = this.options.settings;
    const email = typeof claims.email === 'string' ? claims.email : undefined;
    const verified = email !== undefined && claims.email_verified === true ? email.toLowerCase() : undefined;
    const raw = claims[groupsClaim];
    const groups = Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : typeof raw === 'string' ? [raw] : [];
    const domain = verified?.slice(verified.lastIndexOf('@') + 1);
    const id = (verified ?? String(claims.sub)).slice(0, 254);
    const shown = [claims.name, claims.preferred_username, email]
      .find((v): v is string => typeof v === 'string' && v.trim() !== '')
      ?.replace(/[<>]/g, '')
      .trim()
      .slice(0, 64);
    const name = shown === undefined || shown === '' || shown.toLowerCase() === id.toLowerCase() ? id : `${shown} <${id}>`;
    if (groups.some((g) => allowedGroups.includes(g)) || (domain !== undefined && allowedDomains.includes(domain)))
      return { ok: true, name };
    return { ok: false, who: (email ?? shown ?? id).slice(0, 128) };
  }

  /**
   * A provider's sign-in whose re-check is due: renewed with its refresh token, its claims (when the provider sends
   * a new ID token) let in again, and kept until the next re-check; ended when the provider refuses, when it gave no
   * refresh token, or when it cannot be reached for a whole re-check interval past the due time.
   */
  recheck(id: string, session: DeskSession): Promise<DeskSession | null> {
    // The provider did not answer a moment ago: within its grace the sign-in holds without a try (and a wait) per request.
    const now = this.now();
    if (now < this.unreachableUntil && now < session.oidc!.checkAt + this.options.settings.recheckSeconds * 1000)
      return Promise.resolve(session);
    let running = this.rechecks.get(id);
    if (running === undefined) {
      running = this.renew(id, session).finally(() => this.rechecks.delete(id));
      this.rechecks.set(id, running);
    }
    return running;
  }

  private async renew(id: string, session: DeskSession): Promise<DeskSession | null> {
    const { logger, store, settings } = this.options;
    const oidc = session.oidc!;
    const end = async (reason: string) => {
      logger.info({ desk: 'sign-in-ended', user: session.user, via: 'oidc', reason }, 'desk sign-in ended: the provider did not renew it');
      await store.deleteSession(id);
      return null;
    };
    const refresh = oidc.refresh === undefined ? undefined : this.tokenSealer.open(oidc.refresh);
    if (refresh === undefined) return end('no refresh token');
    const now = this.now();
    try {
      const config = await this.config();
      const tokens = await client.refreshTokenGrant(config, refresh);
      const claims = tokens.claims() as Claims | undefined;
      if (claims !== undefined) {
        if (String(claims.sub) !== oidc.sub) return await end('another account');
        if (!this.admit(claims).ok) return await end('no longer allowed');
      }
      const renewed: DeskSession = {
        ...session,
        oidc: {
          sub: oidc.sub,
          checkAt: Math.min(now + settings.recheckSeconds * 1000, session.expiresAt),
          refresh: tokens.refresh_token === undefined ? oidc.refresh : this.tokenSealer.seal(tokens.refresh_token),
        },
      };
      const left = Math.ceil((session.expiresAt - now) / 1000);
      if (left <= 0) return await end('expired');
      await store.putSession(id, renewed, left);
      return renewed;
    } catch (error) {
      if (providerSaidNo(error)) {
        // Another instance may have renewed it a moment ago, with a new refresh token: that one stands.
        const stored = await store.getSession(id);
        if (stored?.oidc !== undefined && stored.oidc.checkAt > now) return stored;
        return end(reasonOf(error));
      }
      logger.warn(
        { desk: 'sign-in-recheck', user: session.user, error: reasonOf(error) },
        'desk: the identity provider could not be reached',
      );
      // The provider not answering is not a refusal, for one re-check interval; it is tried again in 30 s.
      this.unreachableUntil = this.now() + UNREACHABLE_RETRY_MS;
      return now < oidc.checkAt + settings.recheckSeconds * 1000 ? session : end('provider unreachable');
    }
  }

  /** The provider's end-session URL (RP-initiated logout) back to the sign-in page; undefined when it has none. */
  async endSessionUrl(): Promise<string | undefined> {
    try {
      const config = await this.config();
      if (config.serverMetadata().end_session_endpoint === undefined) return undefined;
      return client.buildEndSessionUrl(config, { post_logout_redirect_uri: this.options.settings.postLogoutRedirectUri }).href;
    } catch {
      return undefined;
    }
  }
}
