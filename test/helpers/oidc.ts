import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './redis-server';

/** The line's client at the tests' provider. */
export const OIDC_CLIENT = { id: 'portal-line-desk', secret: 'oidc-client-secret-for-the-tests-0123456789' };

export interface OidcProviderProcess {
  issuer: string;
  /** Removes an account at the provider, as a leaver's is removed. */
  disable(account: string): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the tests' OpenID Connect provider (test/helpers/oidc-provider.mjs, the oidc-provider package) on a free
 * port (or `port`), with the line's client registered for the desk of each public base URL in `lines`.
 */
export async function startOidcProvider(lines: string[], port?: number): Promise<OidcProviderProcess> {
  port ??= await freePort();
  const settings = {
    port,
    clientId: OIDC_CLIENT.id,
    clientSecret: OIDC_CLIENT.secret,
    redirectUris: lines.map((base) => `${base}/desk/oidc/callback`),
    postLogoutRedirectUris: lines.map((base) => `${base}/desk/sign-in`),
  };
  const child = spawn(process.execPath, [join(__dirname, 'oidc-provider.mjs'), JSON.stringify(settings)], {
    env: { PATH: process.env.PATH, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const issuer = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the OpenID provider did not start within 15 s:\n${out}`)), 15_000);
    child.stdout.on('data', (d) => {
      out += String(d);
      const ready = /^ready (\S+)$/m.exec(out);
      if (ready !== null) {
        clearTimeout(timer);
        resolve(ready[1]!);
      }
    });
    child.stderr.on('data', (d) => (out += String(d)));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the OpenID provider exited with ${code}:\n${out}`));
    });
  });
  return {
    issuer,
    output: () => out,
    disable: async (account) => {
      const res = await fetch(`${issuer}/test/disable?account=${encodeURIComponent(account)}`, { method: 'POST' });
      if (res.status !== 204) throw new Error(`disable ${account}: ${res.status}`);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
