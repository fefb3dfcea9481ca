import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/common/config';
import { createLogger } from '../../src/common/log';
import { MemoryDeskStore } from '../../src/backend/memory/desk-store';
import { parseSession } from '../../src/desk/desk-store';
import { OidcSignIn, type OidcSettings } from '../../src/desk/sign-in/oidc';
import { Sealer } from '../../src/desk/sign-in/sealed';
import { SignIns } from '../../src/desk/sign-in/sign-in';
import { SignInLimits } from '../../src/desk/sign-in/sign-in-limits';
import { newToken, tokenId } from '../../src/desk/sign-in/tokens';
import { memoryBackend } from '../../src/backend/memory';
import { SIGN_IN_SECRET, WIDE_SLOTS } from '../helpers/desk';

/** The desk's OpenID Connect settings (DESK_OIDC_*), who they let in, and what a provider's sign-in keeps. */

const ISSUER = 'https://login.example.org/realms/support';
const ON = { DESK_OIDC_ISSUER: ISSUER, DESK_OIDC_CLIENT_ID: 'portal-line', DESK_OIDC_ALLOWED_GROUPS: 'desk-agents' };

/** The message of the error loadConfig throws for `env`. */
function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the configuration loaded');
}

describe('DESK_OIDC_* configuration', () => {
  test('unset: passwords only, and the defaults', () => {
    const config = loadConfig({});
    expect(config.DESK_OIDC_ISSUER).toBeUndefined();
    expect(config.DESK_OIDC_SCOPES).toBe('openid profile email');
    expect(config.DESK_OIDC_GROUPS_CLAIM).toBe('groups');
    expect(config.DESK_OIDC_CLOCK_SKEW_SECONDS).toBe(30);
    expect(config.DESK_OIDC_RECHECK_SECONDS).toBe(600);
  });

  test('a provider with groups and domains: lists trimmed, domains in lower case without @', () => {
    const config = loadConfig({
      ...ON,
      DESK_OIDC_CLIENT_SECRET: ' s3cret ',
      DESK_OIDC_ALLOWED_GROUPS: ' desk-agents , desk-leads,',
      DESK_OIDC_ALLOWED_DOMAINS: '@Example.ORG, support.example.net',
      DESK_OIDC_SCOPES: '  openid   profile email groups ',
      DESK_OIDC_GROUPS_CLAIM: 'roles',
      DESK_OIDC_CLOCK_SKEW_SECONDS: '0',
      DESK_OIDC_RECHECK_SECONDS: '300',
    });
    expect(config.DESK_OIDC_ISSUER).toBe(ISSUER);
    expect(config.DESK_OIDC_CLIENT_SECRET).toBe('s3cret');
    expect(config.DESK_OIDC_ALLOWED_GROUPS).toEqual(['desk-agents', 'desk-leads']);
    expect(config.DESK_OIDC_ALLOWED_DOMAINS).toEqual(['example.org', 'support.example.net']);
    expect(config.DESK_OIDC_SCOPES).toBe('openid profile email groups');
    expect(config.DESK_OIDC_GROUPS_CLAIM).toBe('roles');
    expect(config.DESK_OIDC_CLOCK_SKEW_SECONDS).toBe(0);
    expect(config.DESK_OIDC_RECHECK_SECONDS).toBe(300);
  });

  test('plain http only for a provider on this machine', () => {
    expect(loadConfig({ ...ON, DESK_OIDC_ISSUER: 'http://127.0.0.1:8080' }).DESK_OIDC_ISSUER).toBe('http://127.0.0.1:8080');
    expect(loadConfig({ ...ON, DESK_OIDC_ISSUER: 'http://localhost:8080/realms/x' }).DESK_OIDC_ISSUER).toBe(
      'http://localhost:8080/realms/x',
    );
    expect(problems({ ...ON, DESK_OIDC_ISSUER: 'http://login.example.org' })).toContain(
      'DESK_OIDC_ISSUER: must be an https URL (plain http only for a provider on this machine',
    );
  });

  test('each bad value is named with what it should be', () => {
    const message = problems({
      DESK_OIDC_ISSUER: 'login.example.org',
      DESK_OIDC_CLIENT_ID: 'two words',
      DESK_OIDC_ALLOWED_DOMAINS: 'example.org,not a domain',
      DESK_OIDC_SCOPES: 'profile email',
      DESK_OIDC_GROUPS_CLAIM: 'a claim',
      DESK_OIDC_CLOCK_SKEW_SECONDS: '600',
      DESK_OIDC_RECHECK_SECONDS: 'soon',
    });
    expect(message).toContain("DESK_OIDC_ISSUER: must be the identity provider's issuer URL");
    expect(message).toContain('DESK_OIDC_CLIENT_ID: must be the client ID the provider gave the line, without spaces');
    expect(message).toContain('DESK_OIDC_ALLOWED_DOMAINS[1]: each entry must be an email domain, such as example.org');
    expect(message).toContain('DESK_OIDC_SCOPES: must include openid');
    expect(message).toContain('DESK_OIDC_GROUPS_CLAIM: must be a claim name, such as groups or roles');
    expect(message).toContain('DESK_OIDC_CLOCK_SKEW_SECONDS: must be a number of seconds from 0 to 300');
    expect(message).toContain('DESK_OIDC_RECHECK_SECONDS: must be a number of seconds from 5 to 86400');
    expect(problems({ ...ON, DESK_OIDC_ISSUER: `${ISSUER}?tenant=x` })).toContain('DESK_OIDC_ISSUER: must be the issuer URL alone');
  });

  test('an issuer needs a client and someone to let in; without one, the rest is said to do nothing', () => {
    const alone = problems({ DESK_OIDC_ISSUER: ISSUER });
    expect(alone).toContain('DESK_OIDC_CLIENT_ID: is required with DESK_OIDC_ISSUER');
    expect(alone).toContain('DESK_OIDC_ALLOWED_GROUPS: or DESK_OIDC_ALLOWED_DOMAINS is required with DESK_OIDC_ISSUER');
    expect(problems({ ...ON, DESK_OIDC_ALLOWED_GROUPS: ' , ' })).toContain('DESK_OIDC_ALLOWED_GROUPS: must name at least one group');
    const orphans = problems({ DESK_OIDC_CLIENT_ID: 'x', DESK_OIDC_CLIENT_SECRET: 'y', DESK_OIDC_ALLOWED_DOMAINS: 'example.org' });
    for (const name of ['DESK_OIDC_CLIENT_ID', 'DESK_OIDC_CLIENT_SECRET', 'DESK_OIDC_ALLOWED_DOMAINS'])
      expect(orphans).toContain(`${name}: has no effect without DESK_OIDC_ISSUER`);
    // The secret is never quoted back.
    expect(orphans).not.toContain(': y');
  });
});

describe('who the provider lets in', () => {
  const settings = (over: Partial<OidcSettings> = {}): OidcSettings => ({
    issuer: ISSUER,
    clientId: 'portal-line',
    scopes: 'openid',
    groupsClaim: 'groups',
    allowedGroups: ['desk-agents'],
    allowedDomains: ['example.org'],
    clockSkewSeconds: 30,
    recheckSeconds: 600,
    redirectUri: 'https://line.example.test/desk/oidc/callback',
    postLogoutRedirectUri: 'https://line.example.test/desk/sign-in',
    ...over,
  });
  const oidc = (over: Partial<OidcSettings> = {}) =>
    new OidcSignIn({
      settings: settings(over),
      store: new MemoryDeskStore(),
      secret: 'k'.repeat(32),
      ttlSeconds: 3600,
      logger: createLogger('silent'),
    });

  test('an allowed group, as a list or one value, in the claim the settings name', () => {
    expect(oidc().admit({ sub: '1', name: 'Ann Agent', groups: ['sales', 'desk-agents'] })).toEqual({ ok: true, name: 'Ann Agent <1>' });
    expect(oidc({ groupsClaim: 'roles' }).admit({ sub: '1', roles: 'desk-agents', email: 'ann@elsewhere.test' })).toEqual({
      ok: true,
      name: 'ann@elsewhere.test <1>',
    });
    expect(oidc({ groupsClaim: 'roles' }).admit({ sub: '1', groups: ['desk-agents'], email: 'ann@elsewhere.test' })).toEqual({
      ok: false,
      who: 'ann@elsewhere.test',
    });
  });

  test('an email at an allowed domain, in any case, only when the token says it is verified', () => {
    expect(oidc().admit({ sub: '2', email: 'Bob@EXAMPLE.org', email_verified: true, preferred_username: 'bob' })).toEqual({
      ok: true,
      name: 'bob <bob@example.org>',
    });
    expect(oidc().admit({ sub: '2', email: 'bob@example.org', email_verified: false })).toEqual({ ok: false, who: 'bob@example.org' });
    // Without the claim (Entra ID never sends it, and its email claim is not checked by it), the domain does not count.
    expect(oidc().admit({ sub: '2', email: 'bob@example.org' })).toEqual({ ok: false, who: 'bob@example.org' });
    // A subdomain is another domain.
    expect(oidc().admit({ sub: '2', email: 'bob@mail.example.org', email_verified: true }).ok).toBe(false);
    expect(oidc().admit({ sub: '2', email: 'bob@example.org.evil.test', email_verified: true }).ok).toBe(false);
  });

  test('an agent is named by what only the account has: a display name cannot make one agent pass for another', () => {
    const sam = oidc().admit({ sub: 's-1', name: 'Sam', email: 'sam@example.org', email_verified: true });
    const renamed = oidc().admit({ sub: 'm-2', name: 'Sam <sam@example.org>', email: 'mallory@example.org', email_verified: true });
    expect(sam).toEqual({ ok: true, name: 'Sam <sam@example.org>' });
    expect(renamed).toEqual({ ok: true, name: 'Sam sam@example.org <mallory@example.org>' });
    // Two people of one name are two agents.
    expect(oidc().admit({ sub: 'a', name: 'Sam', groups: ['desk-agents'] })).not.toEqual(
      oidc().admit({ sub: 'b', name: 'Sam', groups: ['desk-agents'] }),
    );
  });

  test('anyone else is refused, named by email or name; a name with nothing else is the subject', () => {
    expect(oidc().admit({ sub: '3', name: 'Mallory', groups: ['sales'] })).toEqual({ ok: false, who: 'Mallory' });
    expect(oidc({ allowedDomains: [] }).admit({ sub: 'abc', groups: ['desk-agents'] })).toEqual({ ok: true, name: 'abc' });
    expect(oidc().admit({ sub: '4', name: ' ', groups: 'desk-agents' })).toEqual({ ok: true, name: '4' });
  });

  test('the pending sign-in cookie is refused when changed, and the callback then refused as not this browser’s', async () => {
    const line = oidc();
    expect(await line.complete('code=abc&state=xyz', undefined)).toEqual({ ok: false, why: 'state' });
    expect(await line.complete('code=abc&state=xyz', 'eyJzdGF0ZSI6Inh5eiJ9.0000')).toEqual({ ok: false, why: 'state' });
  });
});

describe('what a provider sign-in keeps', () => {
  test('the stored sign-in keeps its provider part, and drops a broken one', () => {
    const session = { user: 'Ann', csrf: 'c', createdAt: 1, expiresAt: 2, oidc: { sub: 's', checkAt: 3, refresh: 'r' } };
    expect(parseSession(JSON.stringify(session))).toEqual(session);
    expect(parseSession(JSON.stringify({ ...session, oidc: { sub: 's' } }))).toEqual({
      user: 'Ann',
      csrf: 'c',
      createdAt: 1,
      expiresAt: 2,
    });
  });

  test('a sealed refresh token opens only with the same key and purpose, and unchanged', () => {
    const sealer = new Sealer('k'.repeat(32), 'desk-oidc-refresh');
    const sealed = sealer.seal('refresh-token-value');
    expect(sealed).not.toContain('refresh-token-value');
    expect(sealer.seal('refresh-token-value')).not.toBe(sealed);
    expect(sealer.open(sealed)).toBe('refresh-token-value');
    expect(new Sealer('j'.repeat(32), 'desk-oidc-refresh').open(sealed)).toBeUndefined();
    expect(new Sealer('k'.repeat(32), 'another').open(sealed)).toBeUndefined();
    const [iv, body, tag] = sealed.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0]! ^= 1;
    expect(sealer.open([iv, flipped.toString('base64url'), tag].join('.'))).toBeUndefined();
    expect(sealer.open('not.sealed')).toBeUndefined();
  });

  test('a signed value comes back only as it was signed', () => {
    const sealer = new Sealer('k'.repeat(32), 'desk-oidc-pending');
    const signed = sealer.sign('payload');
    expect(sealer.unsign(signed)).toBe('payload');
    expect(sealer.unsign(signed.replace('payload', 'paylOad'))).toBeUndefined();
    expect(sealer.unsign('payload')).toBeUndefined();
    expect(sealer.unsign(undefined)).toBeUndefined();
  });
});

describe('a provider sign-in among the desk sign-ins', () => {
  const settings: OidcSettings = {
    issuer: ISSUER,
    clientId: 'portal-line',
    scopes: 'openid',
    groupsClaim: 'groups',
    allowedGroups: ['desk-agents'],
    allowedDomains: [],
    clockSkewSeconds: 30,
    recheckSeconds: 600,
    redirectUri: 'https://line.example.test/desk/oidc/callback',
    postLogoutRedirectUri: 'https://line.example.test/desk/sign-in',
  };
  /** Sign-ins on one store, with or without the provider (its settings changed by `over`); no password account. */
  function signInsOn(
    store: MemoryDeskStore,
    withProvider: boolean,
    over: Partial<OidcSettings> = {},
    now: () => number = Date.now,
  ): SignIns {
    const logger = createLogger('silent');
    return new SignIns({
      store,
      users: [],
      ttlSeconds: 3600,
      secret: SIGN_IN_SECRET,
      limits: new SignInLimits(memoryBackend().limiter),
      slots: WIDE_SLOTS,
      now,
      ...(withProvider && {
        oidc: new OidcSignIn({ settings: { ...settings, ...over }, store, secret: SIGN_IN_SECRET, ttlSeconds: 3600, logger, now }),
      }),
    });
  }
  /** A provider's sign-in stored as the callback stores one, its re-check `checkIn` ms from now. */
  async function stored(store: MemoryDeskStore, checkIn: number, refresh?: string): Promise<string> {
    const token = newToken();
    const now = Date.now();
    await store.putSession(
      tokenId(token),
      {
        user: 'Ann Agent',
        csrf: newToken(),
        createdAt: now,
        expiresAt: now + 3_600_000,
        oidc: { sub: 'ann', checkAt: now + checkIn, ...(refresh && { refresh }) },
      },
      3600,
    );
    return token;
  }

  test('holds until its re-check with the provider on, and not at all once the provider is off', async () => {
    const store = new MemoryDeskStore();
    const token = await stored(store, 60_000);
    expect((await signInsOn(store, true).find(token))?.session.user).toBe('Ann Agent');
    expect(await signInsOn(store, true).holds(tokenId(token))).toBe(true);
    // The same sign-in on a line whose provider was taken away: no password account behind it, so it is over.
    expect(await signInsOn(store, false).find(token)).toBeNull();
  });

  test('a provider that does not answer is tried once, then left alone for 30 s: the sign-in holds, within its grace', async () => {
    // A provider on this machine that answers every request 503 (its discovery included), counting them.
    let requests = 0;
    const down = http.createServer((_req, res) => {
      requests++;
      res.writeHead(503).end();
    });
    await new Promise<void>((r) => down.listen(0, '127.0.0.1', r));
    try {
      const issuer = `http://127.0.0.1:${(down.address() as AddressInfo).port}`;
      const store = new MemoryDeskStore();
      let now = Date.now();
      const signIns = signInsOn(store, true, { issuer }, () => now);
      const token = await stored(store, -1, new Sealer(SIGN_IN_SECRET, 'desk-oidc-refresh').seal('a-refresh-token'));
      // The line's clock from when the sign-in was stored: its re-check is due (a clock read before could be behind it).
      now = Date.now();
      expect(await signIns.holds(tokenId(token))).toBe(true);
      const tried = requests;
      expect(tried).toBeGreaterThan(0);
      for (let i = 0; i < 5; i++) expect(await signIns.holds(tokenId(token))).toBe(true);
      expect(requests).toBe(tried);
      now += 31_000;
      expect(await signIns.holds(tokenId(token))).toBe(true);
      expect(requests).toBeGreaterThan(tried);
    } finally {
      await new Promise((r) => down.close(r));
    }
  });

  test('at its re-check, one with no refresh token (or one that does not open) ends, and is gone from the store', async () => {
    const store = new MemoryDeskStore();
    const plain = await stored(store, -1);
    const forged = await stored(store, -1, 'not.a.sealed-token');
    const signIns = signInsOn(store, true);
    expect(await signIns.find(plain)).toBeNull();
    expect(await signIns.holds(tokenId(forged))).toBe(false);
    expect(await store.getSession(tokenId(plain))).toBeNull();
    expect(await store.getSession(tokenId(forged))).toBeNull();
  });
});
