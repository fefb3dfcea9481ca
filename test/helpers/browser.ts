import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { deskUsers } from './desk';
import { testRedisUrl } from './line';
import { startLineProcess, type LineProcess } from './processes';
import { freePort } from './redis-server';

/** Debian's chromium, driven by playwright-core: nothing is downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

/** Chromium, headless; a clear failure when the package is missing. */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is needed for this test: apt-get install -y chromium (bash .ci/system-packages.sh does)`);
  return chromium.launch({ executablePath: CHROMIUM });
}

/**
 * A line process with the desk page, on the test run's Redis under a prefix of its own, at its own address (its
 * PUBLIC_BASE_URL): the test account of deskUsers() signs in; `env` adds to it or overrides it.
 */
export async function startDeskLine(env: Record<string, string> = {}): Promise<{ line: LineProcess; base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const line = await startLineProcess({
    PORT: String(port),
    PUBLIC_BASE_URL: base,
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: `browser-${randomBytes(4).toString('hex')}`,
    DESK_USERS: await deskUsers(),
    ...env,
  });
  return { line, base };
}
