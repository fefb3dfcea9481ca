import { z } from 'zod';

/**
 * The desk page's variables, part of the one schema in config.ts. The password hash is checked here for its shape
 * only (src/desk/sign-in/password.ts reads it); a hash is `scrypt.<log2 N>.<r>.<p>.<salt>.<key>`, salt and key in base64url,
 * so that it needs no quoting in an env file, a shell, a compose file or a Kubernetes manifest.
 */
export const PASSWORD_HASH = /^scrypt\.(1[0-9]|20)\.([1-9]|1[0-6])\.([1-9]|1[0-6])\.[A-Za-z0-9_-]{22,}\.[A-Za-z0-9_-]{43,}$/;

/** A desk agent's sign-in name: letters, digits and . _ @ - (an email address will do). */
export const DESK_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

export interface DeskUser {
  name: string;
  hash: string;
}

/** `name:hash,name:hash` -> the accounts; every entry that is not one is reported, by position and name. */
export const deskUsers = z
  .string()
  .transform((list, ctx): DeskUser[] => {
    const users: DeskUser[] = [];
    list.split(',').forEach((raw, i) => {
      const entry = raw.trim();
      const colon = entry.indexOf(':');
      const name = colon < 0 ? entry : entry.slice(0, colon);
      const hash = colon < 0 ? '' : entry.slice(colon + 1);
      const which = `entry ${i + 1}${DESK_NAME.test(name) ? ` ('${name}')` : ''}`;
      if (colon < 0 || !DESK_NAME.test(name))
        ctx.addIssue({ code: 'custom', message: `${which} must be name:hash, the name made of letters, digits and . _ @ -` });
      else if (!PASSWORD_HASH.test(hash))
        ctx.addIssue({
          code: 'custom',
          message: `${which}: the hash is not one that npm run desk:hash-password prints (scrypt.N.r.p.salt.key)`,
        });
      else if (users.some((u) => u.name === name)) ctx.addIssue({ code: 'custom', message: `${which}: the name is given twice` });
      else users.push({ name, hash });
    });
    return users;
  })
  .optional();

/** The time zone whose day "today" means on the desk page, as the browser's Intl knows them. */
export const ianaZone = z
  .string()
  .min(1)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-CA', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as America/Toronto or UTC');
export const timeZone = z.string().default('UTC').pipe(ianaZone);

/**
 * Which proxies in front may say who the client is (X-Forwarded-For), for the per-address sign-in limit: a number
 * of hops, or addresses and subnets separated by commas (`loopback`, `10.0.0.0/8`), as express reads them.
 */
export const trustProxy = z
  .string()
  .regex(
    /^(\d{1,2}|[0-9A-Za-z.:/_-]+(,\s*[0-9A-Za-z.:/_-]+)*)$/,
    'must be a number of proxies, or addresses and subnets separated by commas',
  )
  .transform((v): number | string => (/^\d+$/.test(v) ? Number(v) : v))
  .optional();

/** A list separated by commas, each entry trimmed, empty ones dropped. */
const commaList = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
);

/**
 * DESK_OIDC_ISSUER: the identity provider's issuer URL, as its discovery document (/.well-known/openid-configuration)
 * names it. https, except on this machine's loopback address (a provider run beside the line for development).
 */
export const oidcIssuer = z
  .string()
  .pipe(
    z.url({ protocol: /^https?$/, error: "must be the identity provider's issuer URL, such as https://login.example.org/realms/support" }),
  )
  // Each check asks only of a URL that parses: a value that is not one has its own message already.
  .refine((v) => {
    const u = URL.canParse(v) ? new URL(v) : undefined;
    return u === undefined || (u.search === '' && u.hash === '' && u.username === '' && u.password === '');
  }, 'must be the issuer URL alone, with no query, fragment or user name')
  .refine((v) => {
    const u = URL.canParse(v) ? new URL(v) : undefined;
    return u === undefined || u.protocol === 'https:' || /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i.test(u.hostname);
  }, 'must be an https URL (plain http only for a provider on this machine, such as http://127.0.0.1:8080)')
  .optional();

/** DESK_OIDC_ALLOWED_GROUPS: the values of the group claim that let an account in. */
export const oidcGroups = commaList
  .pipe(
    z.array(z.string().max(256, 'each group must be at most 256 characters')).min(1, 'must name at least one group, such as desk-agents'),
  )
  .optional();

/** DESK_OIDC_ALLOWED_DOMAINS: email domains whose (verified) addresses let an account in, lower case. */
export const oidcDomains = commaList
  .transform((list) => list.map((d) => d.toLowerCase().replace(/^@/, '')))
  .pipe(
    z
      .array(z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'each entry must be an email domain, such as example.org'))
      .min(1, 'must name at least one email domain, such as example.org'),
  )
  .optional();

/** DESK_OIDC_SCOPES: the scopes asked for, separated by spaces; openid always among them. */
export const oidcScopes = z
  .string()
  .default('openid profile email')
  .transform((v) => v.trim().split(/\s+/))
  .refine((list) => list.includes('openid'), 'must include openid, such as openid profile email')
  .refine((list) => list.every((s) => /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)), 'must be scope names separated by spaces')
  .transform((list) => list.join(' '));

/** DESK_OIDC_GROUPS_CLAIM: the ID token's claim that lists an account's groups. */
export const oidcGroupsClaim = z
  .string()
  .default('groups')
  .pipe(z.string().regex(/^[A-Za-z0-9_:./-]{1,128}$/, 'must be a claim name, such as groups or roles'));
