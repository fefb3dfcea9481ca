import { loadConfig } from '../../src/common/config';
import { LineError } from '../../src/common/errors';

/** PORT and PUBLIC_BASE_URL, as a new user first sets them: one clear message each, and a local address that follows the port. */

const REAL_TOKEN = '9f86d081884c7d659a2feaa0c55ad015';

/** The message of the error `loadConfig` throws for `env`. */
function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(LineError);
    return (error as Error).message;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('PORT and the local PUBLIC_BASE_URL', () => {
  test('outside production, an unset PUBLIC_BASE_URL follows PORT', () => {
    expect(loadConfig({ PORT: '7100' })).toMatchObject({ PORT: 7100, PUBLIC_BASE_URL: 'http://localhost:7100', usingLocalAuthToken: true });
    expect(loadConfig({ PORT: '7100', NODE_ENV: 'test' }).PUBLIC_BASE_URL).toBe('http://localhost:7100');
    expect(loadConfig({}).PUBLIC_BASE_URL).toBe('http://localhost:3000');
    // Any free port has no address to follow; a PUBLIC_BASE_URL that is set is kept as set.
    expect(loadConfig({ PORT: '0' }).PUBLIC_BASE_URL).toBe('http://localhost:3000');
    expect(loadConfig({ PORT: '7100', PUBLIC_BASE_URL: 'http://127.0.0.1:8080' }).PUBLIC_BASE_URL).toBe('http://127.0.0.1:8080');
  });

  test('production does not guess: an unset PUBLIC_BASE_URL is still refused there', () => {
    expect(configError({ NODE_ENV: 'production', PORT: '7100', TWILIO_AUTH_TOKEN: REAL_TOKEN })).toMatch(
      /PUBLIC_BASE_URL: is http:\/\/localhost:3000, a local address Twilio cannot reach/,
    );
  });

  test.each(['abc', '-1', '65536', '3000.5', '7 100'])('PORT=%s: one message that says what a port is', (port) => {
    expect(configError({ PORT: port })).toBe('invalid environment:\n  PORT: must be a port number from 0 to 65535, such as 3000');
  });

  test('PORT with spaces around it is read as the number', () => {
    expect(loadConfig({ PORT: ' 7100 ' })).toMatchObject({ PORT: 7100, PUBLIC_BASE_URL: 'http://localhost:7100' });
  });

  test('a PUBLIC_BASE_URL without its scheme: one message that shows it written with one, nothing about the token', () => {
    expect(configError({ PUBLIC_BASE_URL: 'localhost:7100' })).toBe(
      'invalid environment:\n  PUBLIC_BASE_URL: must start with http:// or https://, such as http://localhost:7100',
    );
    expect(configError({ PUBLIC_BASE_URL: 'line.example.org' })).toBe(
      'invalid environment:\n  PUBLIC_BASE_URL: must start with http:// or https://, such as https://line.example.org',
    );
  });

  test('another bad PUBLIC_BASE_URL is reported alone too', () => {
    expect(configError({ PUBLIC_BASE_URL: 'ftp://line.example.org' })).toBe(
      'invalid environment:\n  PUBLIC_BASE_URL: must be an http(s) URL such as https://line.example.org',
    );
  });
});
