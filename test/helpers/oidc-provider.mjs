// An OpenID Connect provider for the tests: the certified oidc-provider package, run as a process of its own, with
// its development sign-in pages (any password) and the accounts below. Its settings come as one JSON argument:
// { port, clientId, clientSecret, redirectUris, postLogoutRedirectUris }. It prints `ready <issuer>` once it listens.
// POST /test/disable?account=<id> removes an account, as a leaver's is removed: its refresh tokens stop working.
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL } from 'node:url';
import Provider from 'oidc-provider';

const settings = JSON.parse(process.argv[2]);
const issuer = `http://127.0.0.1:${settings.port}`;

/** The organisation's accounts: four in the desk's group, one outside it. */
const ACCOUNTS = {
  'alice@example.org': { name: 'Alice Agent', groups: ['desk-agents'] },
  'carol@example.org': { name: 'Carol Leaver', groups: ['desk-agents'] },
  'mallory@elsewhere.test': { name: 'Mallory Outsider', groups: ['sales'] },
  'late@example.org': { name: 'Late Agent', groups: ['desk-agents'] },
  'brief@example.org': { name: 'Brief Agent', groups: ['desk-agents'] },
};
const disabled = new Set();

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: settings.clientId,
      client_secret: settings.clientSecret,
      redirect_uris: settings.redirectUris,
      post_logout_redirect_uris: settings.postLogoutRedirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
  ],
  async findAccount(_ctx, id) {
    const account = ACCOUNTS[id];
    if (account === undefined || disabled.has(id)) return undefined;
    return {
      accountId: id,
      claims: async () => ({ sub: id, email: id, email_verified: true, name: account.name, groups: account.groups }),
    };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
  scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
  // The scopes' claims in the ID token itself, as Entra ID, Okta and Keycloak put a group claim there.
  conformIdTokenClaims: false,
  // A refresh token for every sign-in of a client allowed them, as Keycloak gives one (no offline_access needed);
  // none for brief@example.org, as a provider asked without offline_access gives none.
  issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.accountId !== 'brief@example.org',
  ttl: {
    IdToken: (ctx) => ((ctx.oidc.account?.accountId ?? ctx.oidc.entities.Account?.accountId) === 'late@example.org' ? 1 : 3600),
  },
  cookies: { keys: ['oidc-provider-test-cookie-key'] },
  features: { devInteractions: { enabled: true } },
});
// The ID token of late@example.org (1 s) reaches the client 2.5 s after it was made: expired when it is checked.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && ctx.oidc?.entities?.Account?.accountId === 'late@example.org') await sleep(2500);
});
provider.on('server_error', (_ctx, error) => process.stderr.write(`server_error: ${error.stack}\n`));

const callback = provider.callback();
const server = createServer((req, res) => {
  const url = new URL(req.url, issuer);
  if (req.method === 'POST' && url.pathname === '/test/disable') {
    disabled.add(url.searchParams.get('account'));
    res.writeHead(204).end();
    return;
  }
  callback(req, res);
});
server.listen(settings.port, '127.0.0.1', () => process.stdout.write(`ready ${issuer}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
