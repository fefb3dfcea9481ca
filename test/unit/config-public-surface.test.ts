import { loadConfig } from '../../src/common/config';
import { LineError } from '../../src/common/errors';

/** The settings of what the line shows the world: plain http in production, the metrics port and its token. */
const REAL_TOKEN = '9f86d081884c7d659a2feaa0c55ad015';

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(LineError);
    return (error as Error).message;
  }
  throw new Error('loadConfig accepted the environment');
}

const production = { NODE_ENV: 'production', TWILIO_AUTH_TOKEN: REAL_TOKEN };

test('production refuses a plain http PUBLIC_BASE_URL with one line, unless ALLOW_HTTP=1', () => {
  expect(configError({ ...production, PUBLIC_BASE_URL: 'http://line.example.org' })).toBe(
    "invalid environment:\n  PUBLIC_BASE_URL: is http://line.example.org, plain http; in production use https (the desk's sign-in cookie is Secure only then), or set ALLOW_HTTP=1 if plain http is meant",
  );
  expect(loadConfig({ ...production, PUBLIC_BASE_URL: 'http://line.example.org', ALLOW_HTTP: '1' }).PUBLIC_BASE_URL).toBe(
    'http://line.example.org',
  );
  expect(loadConfig({ ...production, PUBLIC_BASE_URL: 'https://line.example.org' }).ALLOW_HTTP).toBe('0');
  // A local URL in production has its own one line, not two.
  expect(configError({ ...production, PUBLIC_BASE_URL: 'http://localhost:3000' }).split('\n')).toHaveLength(2);
  // Outside production plain http is the normal local case.
  expect(loadConfig({ PUBLIC_BASE_URL: 'http://line.example.org', TWILIO_AUTH_TOKEN: REAL_TOKEN }).ALLOW_HTTP).toBe('0');
  expect(configError({ ...production, PUBLIC_BASE_URL: 'https://line.example.org', ALLOW_HTTP: 'yes' })).toBe(
    'invalid environment:\n  ALLOW_HTTP: must be 1 (a plain http PUBLIC_BASE_URL is meant, in production) or 0',
  );
});

test('metrics: their own port, 9464 by default, never the public one; a token of some length; one line per mistake', () => {
  expect(loadConfig({}).METRICS_PORT).toBe(9464);
  expect(loadConfig({}).METRICS_TOKEN).toBeUndefined();
  expect(loadConfig({ METRICS_PORT: '9100', METRICS_TOKEN: 'f'.repeat(64) })).toMatchObject({
    METRICS_PORT: 9100,
    METRICS_TOKEN: 'f'.repeat(64),
  });
  for (const port of ['abc', '70000', '1.5', '-1'])
    expect(configError({ METRICS_PORT: port })).toBe(
      'invalid environment:\n  METRICS_PORT: must be a port number from 0 to 65535, such as 9464',
    );
  expect(configError({ METRICS_PORT: '3000' })).toBe(
    'invalid environment:\n  METRICS_PORT: must differ from PORT (3000): metrics are never served on the public port',
  );
  expect(configError({ METRICS_TOKEN: 'short' })).toBe(
    'invalid environment:\n  METRICS_TOKEN: must be at least 16 characters without spaces, such as what openssl rand -hex 32 prints',
  );
});
