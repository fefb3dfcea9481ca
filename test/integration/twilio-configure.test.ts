import nock from 'nock';
import { main } from '../../src/cli/twilio-configure';

const ACCOUNT = `AC${'a1'.repeat(16)}`;
const NUMBER_SID = `PN${'b2'.repeat(16)}`;
const API = 'https://api.twilio.com';
const BASE = `/2010-04-01/Accounts/${ACCOUNT}`;
const env = { TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: 'secret-token-1234', PUBLIC_BASE_URL: 'https://line.example.org/' };

/** A number resource as the Twilio API returns it. */
const numberResource = (over: Record<string, string | null> = {}) => ({
  sid: NUMBER_SID,
  account_sid: ACCOUNT,
  phone_number: '+16045550100',
  friendly_name: '(604) 555-0100',
  voice_url: 'https://demo.twilio.com/welcome/voice/',
  voice_method: 'POST',
  voice_fallback_url: '',
  voice_fallback_method: 'POST',
  status_callback: '',
  status_callback_method: 'POST',
  voice_application_sid: '',
  uri: `${BASE}/IncomingPhoneNumbers/${NUMBER_SID}.json`,
  ...over,
});

const page = (numbers: unknown[]) => ({
  incoming_phone_numbers: numbers,
  uri: `${BASE}/IncomingPhoneNumbers.json?PageSize=2&Page=0`,
  first_page_uri: `${BASE}/IncomingPhoneNumbers.json?PageSize=2&Page=0`,
  next_page_uri: null,
  previous_page_uri: null,
  page: 0,
  page_size: 2,
  start: 0,
  end: numbers.length,
});

let out: string;
let err: string;
beforeAll(() => {
  nock.disableNetConnect();
});
afterAll(() => {
  nock.enableNetConnect();
  // Take nock's interceptor off Node's http module: another test file in this worker may load a nock of its own.
  nock.restore();
});
beforeEach(() => {
  out = '';
  err = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
});
afterEach(() => {
  jest.restoreAllMocks();
  nock.cleanAll();
});

const lookUp = () =>
  nock(API)
    .get(`${BASE}/IncomingPhoneNumbers.json`)
    .query({ PhoneNumber: '+16045550100', PageSize: '2' })
    .basicAuth({ user: ACCOUNT, pass: env.TWILIO_AUTH_TOKEN });

test('sets the voice URL, fallback URL and status callback, and clears a TwiML App', async () => {
  const scope = lookUp()
    .reply(200, page([numberResource({ voice_application_sid: `AP${'c3'.repeat(16)}` })]))
    .post(`${BASE}/IncomingPhoneNumbers/${NUMBER_SID}.json`, {
      VoiceUrl: 'https://line.example.org/voice',
      VoiceMethod: 'POST',
      VoiceFallbackUrl: 'https://line.example.org/voice/fallback',
      VoiceFallbackMethod: 'POST',
      StatusCallback: 'https://line.example.org/voice/status',
      StatusCallbackMethod: 'POST',
      VoiceApplicationSid: '',
    })
    .reply(200, numberResource({ voice_url: 'https://line.example.org/voice' }));
  expect(await main(['--number', '+16045550100'], env)).toBe(0);
  scope.done();
  expect(out).toContain(`changing +1******0100 (${NUMBER_SID}):`);
  expect(out).toMatch(/voiceUrl +https:\/\/demo\.twilio\.com\/welcome\/voice\/ {2}-> {2}https:\/\/line\.example\.org\/voice/);
  expect(out).toMatch(/voiceApplicationSid +AP[0-9a-f]{32} {2}-> {2}\(none\)/);
  expect(out).toContain('done');
  expect(out + err).not.toContain(env.TWILIO_AUTH_TOKEN);
});

test('--dry-run shows the change and makes none', async () => {
  const scope = lookUp().reply(200, page([numberResource()]));
  expect(await main(['--number', '+16045550100', '--dry-run'], env)).toBe(0);
  scope.done();
  expect(out).toContain('would change');
  expect(out).toContain('statusCallback       (none)  ->  https://line.example.org/voice/status');
  expect(out).toContain('dry run: nothing was changed');
});

test('the number is pointed at PUBLIC_BASE_URL as the line normalises it', async () => {
  const scope = lookUp().reply(200, page([numberResource()]));
  expect(await main(['--number', '+16045550100', '--dry-run'], { ...env, PUBLIC_BASE_URL: 'HTTPS://Line.Example.ORG:443/' })).toBe(0);
  scope.done();
  expect(out).toContain('->  https://line.example.org/voice\n');
});

test('a number already pointing at the line is left alone', async () => {
  const scope = lookUp().reply(
    200,
    page([
      numberResource({
        voice_url: 'https://line.example.org/voice',
        voice_fallback_url: 'https://line.example.org/voice/fallback',
        status_callback: 'https://line.example.org/voice/status',
      }),
    ]),
  );
  expect(await main(['--number', '+16045550100'], env)).toBe(0);
  scope.done();
  expect(out).toContain('nothing to change');
});

test('a number SID is fetched directly', async () => {
  const scope = nock(API)
    .get(`${BASE}/IncomingPhoneNumbers/${NUMBER_SID}.json`)
    .reply(200, numberResource())
    .post(`${BASE}/IncomingPhoneNumbers/${NUMBER_SID}.json`)
    .reply(200, numberResource());
  expect(await main(['--number', NUMBER_SID], env)).toBe(0);
  scope.done();
});

test('an unknown number is a clear error', async () => {
  const scope = lookUp().reply(200, page([]));
  expect(await main(['--number', '+16045550100'], env)).toBe(1);
  scope.done();
  expect(err).toBe('cannot configure the number: the account has no phone number +16045550100\n');
});

test('an unknown number SID is a clear error', async () => {
  const scope = nock(API).get(`${BASE}/IncomingPhoneNumbers/${NUMBER_SID}.json`).reply(404, {
    code: 20404,
    message: 'The requested resource was not found',
    more_info: 'https://www.twilio.com/docs/errors/20404',
    status: 404,
  });
  expect(await main(['--number', NUMBER_SID], env)).toBe(1);
  scope.done();
  expect(err).toContain(`the account has no phone number ${NUMBER_SID}`);
});

test('bad credentials are a clear error', async () => {
  const scope = lookUp().reply(401, {
    code: 20003,
    message: 'Authenticate',
    more_info: 'https://www.twilio.com/docs/errors/20003',
    status: 401,
  });
  expect(await main(['--number', '+16045550100'], env)).toBe(1);
  scope.done();
  expect(err).toContain('Twilio refused the credentials: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN');
});

test('missing settings are named before anything is sent', async () => {
  expect(await main(['--number', '+16045550100'], { PUBLIC_BASE_URL: 'http://localhost:3000' })).toBe(2);
  expect(err).toContain('TWILIO_ACCOUNT_SID: must be set');
  expect(err).toContain('TWILIO_AUTH_TOKEN');
  expect(err).toContain('PUBLIC_BASE_URL: must be reachable from Twilio, not localhost');
  expect(await main(['--number', '604-555-0100'], env)).toBe(2);
  expect(err).toContain('--number must be an E.164 number');
  expect(nock.pendingMocks()).toEqual([]);
});

/** An error as Node gives it when a request cannot be sent (nock needs an Error, not a plain object, to pass it on). */
const netError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('without a connection to Twilio', () => {
  test("--dry-run says it needs to reach Twilio to read the number's settings, not that Twilio answered", async () => {
    // Net connect is disabled and no scope is set: the request fails as it would offline.
    expect(await main(['--number', '+16045550100', '--dry-run'], env)).toBe(1);
    expect(err).toMatch(/^cannot configure the number: cannot reach Twilio to read the number's settings: .+\(ENETUNREACH\)\. /);
    expect(err).toContain(
      "--dry-run changes nothing, but it too needs Twilio to read what is set on the number; check this machine's network connection",
    );
    expect(err).not.toContain('Twilio answered');
    expect(out).toBe('');
    expect(nock.pendingMocks()).toEqual([]);
  });

  test.each([
    [
      'ENOTFOUND',
      'getaddrinfo ENOTFOUND api.twilio.com',
      /the name api\.twilio\.com could not be looked up \(ENOTFOUND; is this machine offline\?\)\. /,
    ],
    ['EAI_AGAIN', 'getaddrinfo EAI_AGAIN api.twilio.com', /could not be looked up \(EAI_AGAIN; /],
    [
      'ECONNREFUSED',
      'connect ECONNREFUSED 54.172.60.0:443',
      /the connection was refused \(ECONNREFUSED; a firewall or a proxy in the way\?\)/,
    ],
    ['ECONNRESET', 'socket hang up', /the connection was cut \(ECONNRESET\)/],
    [
      'SELF_SIGNED_CERT_IN_CHAIN',
      'self-signed certificate in certificate chain',
      /certificate could not be verified \(SELF_SIGNED_CERT_IN_CHAIN; /,
    ],
  ])('%s is a network failure, never "Twilio answered with an error"', async (code, message, reason) => {
    const scope = lookUp().replyWithError(netError(code, message));
    expect(await main(['--number', '+16045550100'], env)).toBe(1);
    scope.done();
    expect(err).toMatch(/^cannot configure the number: cannot reach Twilio to read the number's settings: /);
    expect(err).toMatch(reason);
    expect(err).not.toContain('--dry-run');
    expect(err).not.toContain('Twilio answered');
  });

  test('no answer in time is a network failure too', async () => {
    const scope = lookUp()
      .delayConnection(300)
      .reply(200, page([numberResource()]));
    expect(await main(['--number', '+16045550100', '--dry-run'], env, { timeoutMs: 50 })).toBe(1);
    scope.done();
    expect(err).toMatch(/cannot reach Twilio to read the number's settings: no answer in time \(timed out\)\. --dry-run changes nothing/);
    expect(err).not.toContain('Twilio answered');
  });

  test('a connection lost while changing the number says the change may or may not have been made', async () => {
    const scope = lookUp()
      .reply(200, page([numberResource()]))
      .post(`${BASE}/IncomingPhoneNumbers/${NUMBER_SID}.json`)
      .replyWithError(netError('ECONNRESET', 'socket hang up'));
    expect(await main(['--number', '+16045550100'], env)).toBe(1);
    scope.done();
    expect(err).toContain(
      "cannot configure the number: read the number's settings, then could not reach Twilio to change them: the connection was cut (ECONNRESET). The change may or may not have been made:",
    );
    expect(err).not.toContain('Twilio answered');
  });

  test("an error Twilio does answer with is still reported as Twilio's", async () => {
    const scope = lookUp().reply(500, { code: 20500, message: 'Internal Server Error', status: 500 });
    expect(await main(['--number', '+16045550100'], env)).toBe(1);
    scope.done();
    expect(err).toContain('Twilio answered with an error (HTTP 500, code 20500): Internal Server Error');
  });
});

describe('a number attached to a SIP trunk', () => {
  const TRUNK = `TK${'d4'.repeat(16)}`;

  test('is reported, left unchanged, and the command fails with how to detach it', async () => {
    // Its voice URL already points at the line, yet Twilio sends its calls to the trunk: never "already points".
    const scope = lookUp().reply(
      200,
      page([
        numberResource({
          trunk_sid: TRUNK,
          voice_url: 'https://line.example.org/voice',
          voice_fallback_url: 'https://line.example.org/voice/fallback',
          status_callback: 'https://line.example.org/voice/status',
        }),
      ]),
    );
    expect(await main(['--number', '+16045550100'], env)).toBe(1);
    scope.done();
    expect(out).toBe('');
    expect(err).toContain(`+1******0100 (${NUMBER_SID}) is attached to a SIP trunk; nothing was changed.`);
    expect(err).toContain(`Twilio sends this number's calls to the SIP trunk ${TRUNK} and never calls its voice URL.`);
    expect(err).toContain(`Elastic SIP Trunking > Manage > Trunks > ${TRUNK} > Numbers`);
    expect(err).toContain(`curl -X DELETE https://trunking.twilio.com/v1/Trunks/${TRUNK}/PhoneNumbers/${NUMBER_SID}`);
    expect(err).not.toContain(env.TWILIO_AUTH_TOKEN);
  });

  test('with settings to change, nothing is posted (the scope has no update to answer)', async () => {
    const scope = lookUp().reply(200, page([numberResource({ trunk_sid: TRUNK })]));
    expect(await main(['--number', '+16045550100'], env)).toBe(1);
    scope.done();
    expect(err).toContain('is attached to a SIP trunk; nothing was changed.');
    expect(out).not.toContain('done');
  });

  test('--dry-run reports the trunk too', async () => {
    const scope = nock(API)
      .get(`${BASE}/IncomingPhoneNumbers/${NUMBER_SID}.json`)
      .reply(200, numberResource({ trunk_sid: TRUNK }));
    expect(await main(['--number', NUMBER_SID, '--dry-run'], env)).toBe(1);
    scope.done();
    expect(err).toContain(`SIP trunk ${TRUNK}`);
  });

  test('a number without a trunk (null, as Twilio sends it) is configured as before', async () => {
    const scope = lookUp()
      .reply(200, page([numberResource({ trunk_sid: null })]))
      .post(`${BASE}/IncomingPhoneNumbers/${NUMBER_SID}.json`)
      .reply(200, numberResource());
    expect(await main(['--number', '+16045550100'], env)).toBe(0);
    scope.done();
    expect(out).toContain('done');
  });
});
