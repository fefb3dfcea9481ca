import { readFileSync } from 'node:fs';
import { ENV_NAMES, loadConfig, LOCAL_AUTH_TOKEN } from '../../src/common/config';
import { LineError } from '../../src/common/errors';
import { spokenCode } from '../../src/flows/text';

const PUBLIC = 'https://line.example.org';
/** The shape of a real auth token: 32 hexadecimal characters. */
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

describe('configuration', () => {
  test('speech input: on by default with a threshold of 0.5; off, and a threshold, as given; bad values named', () => {
    const base = { TWILIO_AUTH_TOKEN: 'a'.repeat(32) };
    expect(loadConfig(base)).toMatchObject({ SPEECH_INPUT: 'on', SPEECH_CONFIDENCE_THRESHOLD: 0.5 });
    expect(loadConfig({ ...base, SPEECH_INPUT: 'OFF', SPEECH_CONFIDENCE_THRESHOLD: '0.7' })).toMatchObject({
      SPEECH_INPUT: 'off',
      SPEECH_CONFIDENCE_THRESHOLD: 0.7,
    });
    expect(() => loadConfig({ ...base, SPEECH_INPUT: 'maybe', SPEECH_CONFIDENCE_THRESHOLD: '2' })).toThrow(
      /SPEECH_INPUT: must be on or off[\s\S]*SPEECH_CONFIDENCE_THRESHOLD: must be a number from 0 to 1/,
    );
  });

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
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: PUBLIC })).toThrow(/TWILIO_AUTH_TOKEN: is required in production/);
    expect(loadConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: PUBLIC, TWILIO_AUTH_TOKEN: REAL_TOKEN }).usingLocalAuthToken).toBe(false);
  });

  test('a trailing slash on the public URL is dropped, so signed URLs match', () => {
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://line.example.org/', TWILIO_AUTH_TOKEN: 'abc' }).PUBLIC_BASE_URL).toBe(
      'https://line.example.org',
    );
  });

  test('the public URL is normalised as Twilio signs it: scheme and host lower case, no default port, no trailing slash, path kept', () => {
    const base = (url: string) => loadConfig({ PUBLIC_BASE_URL: url, TWILIO_AUTH_TOKEN: REAL_TOKEN }).PUBLIC_BASE_URL;
    expect(base('HTTPS://Line.Example.ORG:443/')).toBe('https://line.example.org');
    expect(base('http://Line.example.org:80')).toBe('http://line.example.org');
    expect(base('https://line.example.org:8443/')).toBe('https://line.example.org:8443');
    expect(base('http://line.example.org:443')).toBe('http://line.example.org:443');
    expect(base('https://line.example.org/IVR/Portal/')).toBe('https://line.example.org/IVR/Portal');
    expect(base('http://LOCALHOST:3000/')).toBe('http://localhost:3000');
  });

  test('a public URL with a query, fragment or user name is refused', () => {
    for (const url of ['https://line.example.org/?a=1', 'https://line.example.org/#x', 'https://me:pw@line.example.org'])
      expect(() => loadConfig({ PUBLIC_BASE_URL: url, TWILIO_AUTH_TOKEN: REAL_TOKEN })).toThrow(
        /PUBLIC_BASE_URL: must be scheme, host and an optional path prefix, with no query/,
      );
  });

  test('production refuses a local PUBLIC_BASE_URL, with one line naming it', () => {
    for (const url of ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://127.8.0.1', 'http://[::1]:3000', 'http://0.0.0.0:3000']) {
      const message = configError({ NODE_ENV: 'production', PUBLIC_BASE_URL: url, TWILIO_AUTH_TOKEN: REAL_TOKEN });
      expect(message).toMatch(
        /^invalid environment:\n {2}PUBLIC_BASE_URL: is http:\/\/\S+, a local address Twilio cannot reach; in production set it to the public URL configured on the Twilio number$/,
      );
    }
    // Outside production a local URL is the normal case.
    expect(loadConfig({ PUBLIC_BASE_URL: 'http://0.0.0.0:3000' }).usingLocalAuthToken).toBe(true);
  });

  test('production refuses the development token, placeholders and tokens too short to be real, each with one line', () => {
    const refused: [string, RegExp][] = [
      [LOCAL_AUTH_TOKEN, /is the local development token, which is public;/],
      ['your_auth_token', /is a placeholder \(it contains 'your'\);/],
      ['changeme', /is a placeholder \(it contains 'change'\);/],
      ['replace-me', /is a placeholder \(it contains 'replace'\);/],
      ['x'.repeat(32), /is a placeholder \(it contains 'xxx'\);/],
      ['0'.repeat(32), /is one character repeated, a placeholder;/],
      ['abc123', /is 6 characters long, too short for a Twilio auth token;/],
    ];
    for (const [token, reason] of refused) {
      const message = configError({ NODE_ENV: 'production', PUBLIC_BASE_URL: PUBLIC, TWILIO_AUTH_TOKEN: token });
      expect(message.split('\n')).toEqual(['invalid environment:', expect.stringMatching(/^ {2}TWILIO_AUTH_TOKEN: is /)]);
      expect(message).toMatch(reason);
      expect(message).toContain('32 hexadecimal characters');
    }
    // Outside production any token may sign a local line's webhooks.
    expect(loadConfig({ TWILIO_AUTH_TOKEN: 'changeme' }).TWILIO_AUTH_TOKEN).toBe('changeme');
  });

  test('the TWILIO_AUTH_TOKEN that .env.example gives is refused in production', () => {
    const example = /^TWILIO_AUTH_TOKEN=(.*)$/m.exec(readFileSync('.env.example', 'utf8'))![1]!;
    expect(configError({ NODE_ENV: 'production', PUBLIC_BASE_URL: PUBLIC, TWILIO_AUTH_TOKEN: example })).toMatch(/ {2}TWILIO_AUTH_TOKEN: /);
  });
});

test('every variable the line reads is documented in .env.example and docs/configuration.md, and the example loads as it is', () => {
  const example = readFileSync('.env.example', 'utf8');
  const readme = readFileSync('docs/configuration.md', 'utf8');
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
  test('codes are spoken digit by digit', () => {
    expect(spokenCode('482913')).toBe('4 8 2, 9 1 3');
  });
});

test('ANNOUNCEMENT_MAX_HOURS: 12 by default, 1 to 72, refused otherwise with the reason', () => {
  const base = { NODE_ENV: 'test' };
  expect(loadConfig(base).ANNOUNCEMENT_MAX_HOURS).toBe(12);
  expect(loadConfig({ ...base, ANNOUNCEMENT_MAX_HOURS: '4' }).ANNOUNCEMENT_MAX_HOURS).toBe(4);
  expect(() => loadConfig({ ...base, ANNOUNCEMENT_MAX_HOURS: '0' })).toThrow(/ANNOUNCEMENT_MAX_HOURS.*at least 1 hour/);
  expect(() => loadConfig({ ...base, ANNOUNCEMENT_MAX_HOURS: 'a day' })).toThrow(/ANNOUNCEMENT_MAX_HOURS.*number of hours/);
});
