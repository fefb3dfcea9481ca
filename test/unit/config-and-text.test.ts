import { readFileSync } from 'node:fs';
import { ENV_NAMES, loadConfig, LOCAL_AUTH_TOKEN } from '../../src/common/config';
import { LineError } from '../../src/common/errors';
import { spokenCode, spokenPhoneNumber } from '../../src/flows/text';
import { maskPhone } from '../../src/common/log';

describe('configuration', () => {
  test('a local run needs no variables', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      PUBLIC_BASE_URL: 'http://localhost:3000',
      BSD_NUMBER: '+18006052965',
      TWILIO_AUTH_TOKEN: LOCAL_AUTH_TOKEN,
      usingLocalAuthToken: true,
    });
    expect(config.REDIS_URL).toBeUndefined();
  });

  test('one error lists every bad variable', () => {
    let message = '';
    try {
      loadConfig({
        PORT: 'eighty',
        PUBLIC_BASE_URL: 'ftp://x',
        BSD_NUMBER: '1-800-605-2965',
        REDIS_URL: 'localhost:6379',
        TWILIO_ACCOUNT_SID: 'nope',
      });
    } catch (error) {
      expect(error).toBeInstanceOf(LineError);
      message = (error as Error).message;
    }
    for (const name of ['PORT', 'PUBLIC_BASE_URL', 'BSD_NUMBER', 'REDIS_URL', 'TWILIO_ACCOUNT_SID'])
      expect(message).toContain(`  ${name}: `);
  });

  test('empty values count as unset, as in an env file', () => {
    expect(loadConfig({ PORT: '', SESSION_TTL_SECONDS: ' ', REDIS_URL: '' })).toMatchObject({ PORT: 3000, SESSION_TTL_SECONDS: 1800 });
  });

  test('the public local token only guards a line on a local address', () => {
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'https://line.example.org' })).toThrow(
      /TWILIO_AUTH_TOKEN: is required when PUBLIC_BASE_URL is not a local address/,
    );
    expect(loadConfig({ PUBLIC_BASE_URL: 'http://127.0.0.1:8080' }).usingLocalAuthToken).toBe(true);
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'http://localhost.example.org' })).toThrow(/TWILIO_AUTH_TOKEN/);
  });

  test('production needs a real auth token', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/TWILIO_AUTH_TOKEN: is required in production/);
    expect(loadConfig({ NODE_ENV: 'production', TWILIO_AUTH_TOKEN: 'abc' }).usingLocalAuthToken).toBe(false);
  });

  test('a trailing slash on the public URL is dropped, so signed URLs match', () => {
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://line.example.org/', TWILIO_AUTH_TOKEN: 'abc' }).PUBLIC_BASE_URL).toBe(
      'https://line.example.org',
    );
  });
});

test('every variable the line reads is documented in .env.example and the README, and the example loads as it is', () => {
  const example = readFileSync('.env.example', 'utf8');
  const readme = readFileSync('README.md', 'utf8');
  for (const name of ENV_NAMES) {
    expect({ name, inExample: new RegExp(`^${name}=`, 'm').test(example) }).toEqual({ name, inExample: true });
    expect({ name, inReadme: readme.includes(`\`${name}\``) }).toEqual({ name, inReadme: true });
  }
  const values = Object.fromEntries(
    example
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  expect(loadConfig(values).PORT).toBe(3000);
});

describe('spoken text', () => {
  test('phone numbers and codes are spoken digit by digit', () => {
    expect(spokenPhoneNumber('+18006052965')).toBe('1, 8 0 0, 6 0 5, 2 9 6 5');
    expect(spokenPhoneNumber('+442079460000')).toBe('4 4 2 0 7 9 4 6 0 0 0 0');
    expect(spokenCode('482913')).toBe('4 8 2, 9 1 3');
  });

  test('phone numbers are masked for logs', () => {
    expect(maskPhone('+18006052965')).toBe('+1******2965');
    expect(maskPhone('+442079460000')).toBe('+********0000');
    expect(maskPhone('client:alice')).toBe('************');
    expect(maskPhone(undefined)).toBeUndefined();
  });
});
