import type { Config } from '../../common/config';
import type { Logger } from '../../common/log';
import type { SignInSessions } from '../desk-store';
import { OidcSignIn } from './oidc';

/** Sign-in with the provider DESK_OIDC_ISSUER names, its redirect URLs under PUBLIC_BASE_URL; undefined without one. */
export function oidcSignIn(config: Config, store: SignInSessions, logger: Logger): OidcSignIn | undefined {
  const publicBase = config.PUBLIC_BASE_URL.replace(/\/+$/, '');
  return config.DESK_OIDC_ISSUER === undefined || config.DESK_OIDC_CLIENT_ID === undefined
    ? undefined
    : new OidcSignIn({
        settings: {
          issuer: config.DESK_OIDC_ISSUER,
          clientId: config.DESK_OIDC_CLIENT_ID,
          ...(config.DESK_OIDC_CLIENT_SECRET !== undefined && { clientSecret: config.DESK_OIDC_CLIENT_SECRET }),
          scopes: config.DESK_OIDC_SCOPES ?? 'openid profile email',
          groupsClaim: config.DESK_OIDC_GROUPS_CLAIM ?? 'groups',
          allowedGroups: config.DESK_OIDC_ALLOWED_GROUPS ?? [],
          allowedDomains: config.DESK_OIDC_ALLOWED_DOMAINS ?? [],
          clockSkewSeconds: config.DESK_OIDC_CLOCK_SKEW_SECONDS,
          recheckSeconds: config.DESK_OIDC_RECHECK_SECONDS,
          redirectUri: `${publicBase}/desk/oidc/callback`,
          postLogoutRedirectUri: `${publicBase}/desk/sign-in`,
        },
        store,
        secret: config.TWILIO_AUTH_TOKEN,
        ttlSeconds: config.DESK_SIGN_IN_TTL_SECONDS,
        logger,
      });
}
