import { z } from 'zod';
import { deskUsers, ianaZone, oidcDomains, oidcGroups, oidcGroupsClaim, oidcIssuer, oidcScopes, timeZone, trustProxy } from './desk-config';
import { bsdHours, closedDates, type DeskHours } from './hours';
import { LineError } from './errors';
import { formatPath, parseWith } from './validation';
import { countryList, e164 } from './phone';

/** A token any local run can use; refused in production. */
export const LOCAL_AUTH_TOKEN = 'local-development-auth-token';

/**
 * The public URL as Twilio will sign it: scheme and host in lower case, no default port, no trailing slash, the
 * path kept as given. Twilio signs the URL configured on the number, so `https://Line.example.org:443/` and
 * `https://line.example.org` must check as the same URL.
 */
export function normalBaseUrl(url: string): string {
  const u = new URL(url); // lower-cases scheme and host and drops the scheme's default port
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

/** This machine only: localhost (and *.localhost), 127.0.0.0/8, ::1, 0.0.0.0 and ::, as the URL parser spells them. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\.\d+\.\d+\.\d+$/.test(host) ||
    host === '0.0.0.0' ||
    host === '[::1]' ||
    host === '[::]' ||
    /^\[::ffff:(7f[0-9a-f]{2}:[0-9a-f]{1,4}|0:0)\]$/.test(host)
  );
}

/** Words that mark a token copied from an example or a template. Each holds a letter that is not hexadecimal. */
const PLACEHOLDER_WORDS = /your|change|replace|placeholder|example|dummy|fake|secret|token|test|xxx/i;

/**
 * Why `token` cannot be a Twilio auth token (a real one is 32 hexadecimal characters), or undefined when it may
 * be one. Never quotes the token: it may be a real secret of another kind.
 */
export function notARealToken(token: string): string | undefined {
  if (token === LOCAL_AUTH_TOKEN) return 'the local development token, which is public';
  const word = PLACEHOLDER_WORDS.exec(token)?.[0];
  if (word !== undefined) return `a placeholder (it contains '${word.toLowerCase()}')`;
  if (/^(.)\1*$/s.test(token)) return 'one character repeated, a placeholder';
  if (token.length < 32) return `${token.length} characters long, too short for a Twilio auth token`;
  return undefined;
}

/** The Business Support Desk, 1-800-605-2965. */
export const DEFAULT_BSD_NUMBER = '+18006052965';

const PORT_ERROR = 'must be a port number from 0 to 65535, such as 3000';

/** "localhost:7100" -> the message that says to write http://localhost:7100. */
function noScheme(value: string): string {
  const local = /^(localhost|127\.|\[::1\])/i.test(value);
  return `must start with http:// or https://, such as ${local ? 'http' : 'https'}://${value.replace(/^\/+/, '')}`;
}

/** A list of regions ("US,CA"), each an ISO 3166 code libphonenumber-js knows. */
const countries = z.string().transform((text, ctx) => {
  try {
    const set = countryList(text);
    if (set.size > 0) return set;
    ctx.addIssue({ code: 'custom', message: 'must name at least one country, such as US,CA' });
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `${(error as Error).message}: use ISO 3166 codes separated by commas, such as US,CA` });
  }
  return z.NEVER;
});
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z
      .string()
      .trim()
      .default('3000')
      .pipe(z.string().regex(/^\d{1,5}$/, PORT_ERROR))
      .transform(Number)
      .pipe(z.number().max(65535, PORT_ERROR)),
    // Production refuses a plain http PUBLIC_BASE_URL (cookies would not be Secure) unless this says it is meant.
    ALLOW_HTTP: z.enum(['0', '1'], { error: 'must be 1 (a plain http PUBLIC_BASE_URL is meant, in production) or 0' }).default('0'),
    // /metrics is served on a port of its own, never on the public one; with a token, only to a bearer of it.
    METRICS_PORT: z.coerce
      .number({ error: 'must be a port number from 0 to 65535, such as 9464' })
      .int({ error: 'must be a port number from 0 to 65535, such as 9464' })
      .min(0, { error: 'must be a port number from 0 to 65535, such as 9464' })
      .max(65535, { error: 'must be a port number from 0 to 65535, such as 9464' })
      .default(9464),
    METRICS_TOKEN: optionalString.pipe(
      z
        .string()
        .regex(/^[\x21-\x7e]{16,}$/, 'must be at least 16 characters without spaces, such as what openssl rand -hex 32 prints')
        .optional(),
    ),
    // Unset outside production: http://localhost and PORT (see loadConfig).
    PUBLIC_BASE_URL: z
      .string()
      .default('http://localhost:3000')
      .pipe(z.string().refine((v) => /^[a-z][a-z0-9+.-]*:\/\//i.test(v), { error: (issue) => noScheme(String(issue.input)) }))
      .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://line.example.org' }))
      .refine((v) => {
        const u = new URL(v);
        return u.search === '' && u.hash === '' && u.username === '' && u.password === '';
      }, 'must be scheme, host and an optional path prefix, with no query, fragment or user name, such as https://line.example.org')
      .transform(normalBaseUrl),
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_ACCOUNT_SID: optionalString.pipe(
      z
        .string()
        .regex(/^AC[0-9a-fA-F]{32}$/, 'must start with AC followed by 32 hexadecimal characters')
        .optional(),
    ),
    REDIS_URL: optionalString.pipe(
      z
        .string()
        .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
        .optional(),
    ),
    REDIS_SENTINELS: optionalString.pipe(
      z
        .string()
        .regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, 'must be host:port pairs separated by commas, such as 10.0.0.1:26379,10.0.0.2:26379')
        .optional(),
    ),
    REDIS_SENTINEL_NAME: z.string().min(1).default('mymaster'),
    REDIS_SENTINEL_PASSWORD: optionalString,
    REDIS_CLUSTER_NODES: optionalString.pipe(
      z
        .string()
        .regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, 'must be host:port pairs separated by commas, such as 10.0.0.1:7000,10.0.0.2:7000')
        .optional(),
    ),
    REDIS_PASSWORD: optionalString,
    REDIS_KEY_PREFIX: z.string().min(1).default('portal-line'),
    REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(500),
    STORE_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(600),
    TURN_TIMEOUT_MS: z.coerce.number().int().min(100).max(12_000).default(1200),
    SHUTDOWN_DRAIN_SECONDS: z.coerce.number().min(0).max(120).default(5),
    // Longer than any balancer's or proxy's idle timeout in front (HAProxy here 15 s, AWS's ALB 60 s): otherwise
    // the line may close a connection just as the proxy sends the next webhook on it, and that webhook fails.
    HTTP_KEEP_ALIVE_SECONDS: z.coerce.number().int().min(1).max(240).default(65),
    BSD_NUMBER: e164.default(DEFAULT_BSD_NUMBER),
    FLOWS_DIR: z.string().min(1).default('call-flows'),
    ENTRY_FLOW: z.string().min(1).default('portal-login'),
    // How long a call's state lives after its last webhook. A live call sends one at least every few minutes (the
    // longest wait is a self-service step's); a call whose status callback never came is gone after this long.
    SESSION_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(300)
      .default(30 * 60),
    // The same while the caller talks with the desk, when no webhook comes until the conversation ends.
    DESK_SESSION_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(300)
      .default(2 * 60 * 60),
    SUMMARY_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .default(7 * 24 * 60 * 60),
    DIAL_TIMEOUT_SECONDS: z.coerce.number().int().min(5).max(600).default(30),
    GATHER_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(7),
    STEPS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(30),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // Answering by voice where a flow listens for it (its `speech` block); off brings back the keypad-only line,
    // TwiML for TwiML (speech recognition is billed per use).
    SPEECH_INPUT: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['on', 'off'], { error: 'must be on or off' }))
      .default('on'),
    // A spoken answer heard with less confidence than this (Twilio's Confidence, 0 to 1) is confirmed first.
    SPEECH_CONFIDENCE_THRESHOLD: z.coerce
      .number({ error: 'must be a number from 0 to 1, such as 0.5' })
      .min(0, { error: 'must be a number from 0 to 1, such as 0.5' })
      .max(1, { error: 'must be a number from 0 to 1, such as 0.5' })
      .default(0.5),
    // The desk page (src/desk): unset DESK_USERS leaves it off, and /desk answers 404.
    DESK_USERS: optionalString.pipe(deskUsers),
    // The longest a desk sign-in lives (a password's, or the identity provider's however often it is renewed): in
    // hours, or in seconds as the line first took it; 12 hours unless set.
    DESK_SESSION_HOURS: z.coerce
      .number({ error: 'must be a number of hours from 0.1 to 168, such as 8' })
      .min(0.1, { error: 'must be a number of hours from 0.1 to 168, such as 8' })
      .max(168, { error: 'must be a number of hours from 0.1 to 168, such as 8' })
      .optional(),
    DESK_SIGN_IN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 60 * 60)
      .optional(),
    DESK_TIME_ZONE: timeZone,
    // Sign-in with the organisation's OpenID Connect provider (src/desk/sign-in/oidc.ts); unset: passwords only.
    DESK_OIDC_ISSUER: optionalString.pipe(oidcIssuer),
    DESK_OIDC_CLIENT_ID: optionalString.pipe(
      z
        .string()
        .regex(/^[\x21-\x7e]{1,256}$/, 'must be the client ID the provider gave the line, without spaces')
        .optional(),
    ),
    DESK_OIDC_CLIENT_SECRET: optionalString,
    DESK_OIDC_SCOPES: optionalString.pipe(oidcScopes),
    DESK_OIDC_GROUPS_CLAIM: optionalString.pipe(oidcGroupsClaim),
    DESK_OIDC_ALLOWED_GROUPS: optionalString.pipe(oidcGroups),
    DESK_OIDC_ALLOWED_DOMAINS: optionalString.pipe(oidcDomains),
    // The ID token's times (exp, iat) may be this far off this machine's clock.
    DESK_OIDC_CLOCK_SKEW_SECONDS: z.coerce
      .number({ error: 'must be a number of seconds from 0 to 300, such as 30' })
      .int({ error: 'must be a number of seconds from 0 to 300, such as 30' })
      .min(0, { error: 'must be a number of seconds from 0 to 300, such as 30' })
      .max(300, { error: 'must be a number of seconds from 0 to 300, such as 30' })
      .default(30),
    // How often a provider's sign-in is checked again with the provider (a refresh), so that a leaver is out soon.
    DESK_OIDC_RECHECK_SECONDS: z.coerce
      .number({ error: 'must be a number of seconds from 5 to 86400, such as 600' })
      .int({ error: 'must be a number of seconds from 5 to 86400, such as 600' })
      .min(5, { error: 'must be a number of seconds from 5 to 86400, such as 600' })
      .max(86400, { error: 'must be a number of seconds from 5 to 86400, such as 600' })
      .default(600),
    DESK_TRUST_PROXY: optionalString.pipe(trustProxy),
    // The desk's announcement (docs/desk.md): one given no end ends this many hours after it starts.
    ANNOUNCEMENT_MAX_HOURS: z.coerce
      .number({ error: 'must be a number of hours, such as 12' })
      .min(1, { error: 'must be at least 1 hour' })
      .max(72, { error: 'must be at most 72 hours' })
      .default(12),
    // The desk's office hours (src/common/hours.ts); unset: always open.
    BSD_HOURS: optionalString.pipe(bsdHours.optional()),
    BSD_TIMEZONE: optionalString.pipe(ianaZone.optional()),
    BSD_CLOSED_DATES: optionalString.pipe(closedDates.optional()),
    // The flow's insights (docs/insights.md): each day's counts are kept this many days; 0 counts nothing.
    INSIGHTS_RETENTION_DAYS: z.coerce
      .number({ error: 'must be a number of days from 0 to 400, such as 90' })
      .int({ error: 'must be a number of days from 0 to 400, such as 90' })
      .min(0, { error: 'must be a number of days from 0 to 400, such as 90' })
      .max(400, { error: 'must be a number of days from 0 to 400, such as 90' })
      .default(90),
    // Callbacks the caller asked for are kept this long, then expire (counted on /metrics).
    CALLBACK_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(14),
    // Callbacks go only to landlines and mobiles in these regions, at most this many an hour for the whole line.
    CALLBACK_ALLOWED_COUNTRIES: countries.default(new Set(['US', 'CA'])),
    CALLBACK_HOURLY_LIMIT: z.coerce.number().int().min(1).max(10_000).default(30),
    // Text messages: sent by Twilio's Messages API from a number or a messaging service; unset, none are offered.
    TWILIO_MESSAGING_FROM: optionalString.pipe(e164.optional()),
    TWILIO_MESSAGING_SERVICE_SID: optionalString.pipe(
      z
        .string()
        .regex(/^MG[0-9a-fA-F]{32}$/, 'must start with MG followed by 32 hexadecimal characters')
        .optional(),
    ),
    TWILIO_API_URL: z
      .string()
      .default('https://api.twilio.com')
      .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://api.twilio.com' }))
      .transform((v) => v.replace(/\/+$/, '')),
    SMS_DAILY_LIMIT: z.coerce.number().int().min(1).max(100).default(3),
    // Texts go only to landlines and mobiles in these regions, under caps an hour for the line and for each range
    // (country and area code): a flood of calls from one range cannot send a flood of texts.
    SMS_ALLOWED_COUNTRIES: countries.default(new Set(['US', 'CA'])),
    SMS_HOURLY_LIMIT: z.coerce.number().int().min(1).max(10_000).default(60),
    SMS_PREFIX_HOURLY_LIMIT: z.coerce.number().int().min(1).max(10_000).default(10),
    TWILIO_API_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  })
  .superRefine((env, ctx) => {
    if (env.DESK_SESSION_HOURS !== undefined && env.DESK_SIGN_IN_TTL_SECONDS !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['DESK_SESSION_HOURS'],
        message: 'says the same as DESK_SIGN_IN_TTL_SECONDS, which is set too: keep one of the two',
      });
    if (env.BSD_HOURS !== undefined && env.BSD_TIMEZONE === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['BSD_TIMEZONE'],
        message: 'is required with BSD_HOURS: the IANA time zone of the hours, such as America/Toronto',
      });
    if (env.BSD_HOURS === undefined && (env.BSD_TIMEZONE !== undefined || env.BSD_CLOSED_DATES !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: [env.BSD_TIMEZONE === undefined ? 'BSD_CLOSED_DATES' : 'BSD_TIMEZONE'],
        message: 'has no effect without BSD_HOURS (the desk is then always open); set BSD_HOURS too, such as Mon-Fri 08:00-17:00',
      });
    if (env.TWILIO_MESSAGING_FROM !== undefined && env.TWILIO_MESSAGING_SERVICE_SID !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['TWILIO_MESSAGING_SERVICE_SID'],
        message: 'cannot be set together with TWILIO_MESSAGING_FROM: text messages go from one or the other',
      });
    if ((env.TWILIO_MESSAGING_FROM !== undefined || env.TWILIO_MESSAGING_SERVICE_SID !== undefined) && env.TWILIO_ACCOUNT_SID === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['TWILIO_ACCOUNT_SID'],
        message: 'is required to send text messages (TWILIO_MESSAGING_FROM or TWILIO_MESSAGING_SERVICE_SID is set)',
      });
    if (env.DESK_OIDC_ISSUER !== undefined) {
      if (env.DESK_OIDC_CLIENT_ID === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['DESK_OIDC_CLIENT_ID'],
          message: 'is required with DESK_OIDC_ISSUER: the client ID the provider gave the line when it was registered',
        });
      if (env.DESK_OIDC_ALLOWED_GROUPS === undefined && env.DESK_OIDC_ALLOWED_DOMAINS === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['DESK_OIDC_ALLOWED_GROUPS'],
          message:
            'or DESK_OIDC_ALLOWED_DOMAINS is required with DESK_OIDC_ISSUER: who may use the desk page (groups, such as desk-agents, or email domains, such as example.org)',
        });
    } else {
      for (const name of [
        'DESK_OIDC_CLIENT_ID',
        'DESK_OIDC_CLIENT_SECRET',
        'DESK_OIDC_ALLOWED_GROUPS',
        'DESK_OIDC_ALLOWED_DOMAINS',
      ] as const)
        if (env[name] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'has no effect without DESK_OIDC_ISSUER (the identity provider to sign in with); set it too, or remove this',
          });
    }
    if (env.STORE_TIMEOUT_MS >= env.TURN_TIMEOUT_MS)
      ctx.addIssue({ code: 'custom', path: ['STORE_TIMEOUT_MS'], message: `must be less than TURN_TIMEOUT_MS (${env.TURN_TIMEOUT_MS})` });
    const stores = (['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const).filter((k) => env[k] !== undefined);
    if (stores.length > 1)
      ctx.addIssue({
        code: 'custom',
        path: [stores[1]!],
        message: `cannot be set together with ${stores[0]}: choose one way to reach Redis`,
      });
    // A URL that is not one has its own issue already: nothing else is said of it, nor of what depends on it.
    if (!/^https?:\/\//i.test(env.PUBLIC_BASE_URL) || !URL.canParse(env.PUBLIC_BASE_URL)) return;
    const local = isLoopback(new URL(env.PUBLIC_BASE_URL).hostname);
    const production = env.NODE_ENV === 'production';
    // Twilio cannot call this machine's loopback address: a production line there would never get a call.
    if (production && local)
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_BASE_URL'],
        message: `is ${env.PUBLIC_BASE_URL}, a local address Twilio cannot reach; in production set it to the public URL configured on the Twilio number`,
      });
    // Plain http in production: the desk's cookies would not be Secure. Allowed only when said so (logged at start).
    if (
      production &&
      !local &&
      URL.canParse(env.PUBLIC_BASE_URL) &&
      new URL(env.PUBLIC_BASE_URL).protocol === 'http:' &&
      env.ALLOW_HTTP !== '1'
    )
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_BASE_URL'],
        message: `is ${env.PUBLIC_BASE_URL}, plain http; in production use https (the desk's sign-in cookie is Secure only then), or set ALLOW_HTTP=1 if plain http is meant`,
      });
    if (env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT)
      ctx.addIssue({
        code: 'custom',
        path: ['METRICS_PORT'],
        message: `must differ from PORT (${env.PORT}): metrics are never served on the public port`,
      });
    // The local token is public: it may only guard a line that nothing outside this machine can call.
    if (env.TWILIO_AUTH_TOKEN === undefined && (production || !local)) {
      ctx.addIssue({
        code: 'custom',
        path: ['TWILIO_AUTH_TOKEN'],
        message: `is required ${production ? 'in production' : 'when PUBLIC_BASE_URL is not a local address'} (the auth token of the Twilio account that owns the number)`,
      });
    }
    const fake = env.TWILIO_AUTH_TOKEN === undefined ? undefined : notARealToken(env.TWILIO_AUTH_TOKEN);
    if (production && fake !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['TWILIO_AUTH_TOKEN'],
        message: `is ${fake}; in production set it to the auth token of the Twilio account that owns the number (32 hexadecimal characters, in the Twilio console under Account Info)`,
      });
  });

export type Env = z.infer<typeof schema>;

/** Every variable the line reads. */
export const ENV_NAMES: readonly string[] = Object.keys(schema.shape);

export interface Config extends Omit<Env, 'TWILIO_AUTH_TOKEN' | 'DESK_SIGN_IN_TTL_SECONDS'> {
  TWILIO_AUTH_TOKEN: string;
  /** The longest a desk sign-in lives, in seconds: DESK_SIGN_IN_TTL_SECONDS, or DESK_SESSION_HOURS, or 12 hours. */
  DESK_SIGN_IN_TTL_SECONDS: number;
  /** The desk's office hours; undefined: always open. */
  deskHours?: DeskHours;
  /** BSD_HOURS as written, for a text message that gives the hours. */
  deskHoursText?: string;
  /** True when no auth token was given and the local development token is in use. */
  usingLocalAuthToken: boolean;
}

/** Reads the environment. Throws a LineError listing every bad variable; never exits. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  // `NAME=` in an env file means "not set", as it does for most tools.
  const given = Object.fromEntries(Object.entries(environment).filter(([, v]) => v !== undefined && v.trim() !== ''));
  // Outside production the line's own address follows PORT: PORT=7100 is http://localhost:7100. (Port 0, any free
  // port, has no address to follow.)
  const port = given.PORT?.trim();
  if (
    given.PUBLIC_BASE_URL === undefined &&
    given.NODE_ENV !== 'production' &&
    port !== undefined &&
    /^[1-9]\d{0,4}$/.test(port) &&
    Number(port) <= 65535
  )
    given.PUBLIC_BASE_URL = `http://localhost:${port}`;
  const parsed = parseWith(schema, given);
  if (!parsed.ok) {
    const lines = parsed.issues.map((i) => `  ${formatPath(i.path)}: ${i.message}`);
    throw new LineError('CONFIG_INVALID', `invalid environment:\n${lines.join('\n')}`);
  }
  const env = parsed.value;
  const hours =
    env.BSD_HOURS === undefined || env.BSD_TIMEZONE === undefined
      ? {}
      : {
          deskHours: { zone: env.BSD_TIMEZONE, ranges: env.BSD_HOURS, closedDates: env.BSD_CLOSED_DATES ?? new Set<string>() },
          deskHoursText: given.BSD_HOURS!.trim(),
        };
  return {
    ...env,
    ...hours,
    DESK_SIGN_IN_TTL_SECONDS:
      env.DESK_SIGN_IN_TTL_SECONDS ?? (env.DESK_SESSION_HOURS === undefined ? 12 * 60 * 60 : Math.round(env.DESK_SESSION_HOURS * 60 * 60)),
    TWILIO_AUTH_TOKEN: env.TWILIO_AUTH_TOKEN ?? LOCAL_AUTH_TOKEN,
    usingLocalAuthToken: env.TWILIO_AUTH_TOKEN === undefined,
  };
}
