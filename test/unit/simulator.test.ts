import { validateRequest } from 'twilio';
import { parseSteps, placeCall, scripted, type Reply, type Transport } from '../../src/simulator/caller';
import type { WebhookParams } from '../../src/telephony/signature';

const BASE = 'https://sim.example.test';

/** A fake line: answers each URL path with the given TwiML, and records what was requested. */
function fakeLine(documents: Record<string, string>): {
  transport: Transport;
  requests: { path: string; params: WebhookParams }[];
} {
  const requests: { path: string; params: WebhookParams }[] = [];
  const transport: Transport = async ({ url, params, signature, body: form }): Promise<Reply> => {
    // Signed as Twilio signs, over the URL and the parameters the form carries.
    if (!validateRequest('x', signature, url, Object.fromEntries(new URLSearchParams(form)))) return { status: 403, body: 'forged' };
    const path = url.replace(BASE, '');
    requests.push({ path, params });
    if (path === '/voice/status') return { status: 204, body: '' };
    const body = documents[path];
    return body === undefined
      ? { status: 404, body: 'not found' }
      : { status: 200, body: `<?xml version="1.0"?><Response>${body}</Response>` };
  };
  return { transport, requests };
}

const call = (documents: Record<string, string>, keys: string) => {
  const line = fakeLine(documents);
  return placeCall({ baseUrl: BASE, authToken: 'x', transport: line.transport, next: scripted(parseSteps(keys)) }).then((result) => ({
    result,
    requests: line.requests,
  }));
};

test('no key at a Gather without actionOnEmptyResult runs the next verb; the end of the document hangs up', async () => {
  const { result, requests } = await call(
    { '/voice': `<Gather action="${BASE}/next" timeout="3"><Say>Press 1.</Say></Gather><Say>Still there?</Say>` },
    '_',
  );
  expect(result.transcript.map((l) => `${l.who}: ${l.text}`)).toEqual([
    'line: Press 1.',
    'caller: presses nothing for 3 seconds',
    'line: Still there?',
    'call: end of document',
  ]);
  expect(requests.map((r) => r.path)).toEqual(['/voice', '/voice/status']);
});

test('no key with actionOnEmptyResult calls the action without Digits', async () => {
  const { requests } = await call(
    { '/voice': `<Gather action="${BASE}/next" actionOnEmptyResult="true"><Say>Press 1.</Say></Gather>`, '/next': '<Hangup/>' },
    '_',
  );
  expect(requests[1]).toMatchObject({ path: '/next' });
  expect(requests[1]!.params.Digits).toBeUndefined();
});

test('a Redirect is followed; a Dial posts its outcome to its action', async () => {
  const { result, requests } = await call(
    {
      '/voice': `<Redirect>${BASE}/two</Redirect><Say>never said</Say>`,
      '/two': `<Dial action="${BASE}/after"><Number url="${BASE}/whisper">+15550001111</Number></Dial>`,
      '/after': '<Say>After.</Say><Hangup/>',
    },
    'busy',
  );
  expect(requests.map((r) => r.path)).toEqual(['/voice', '/two', '/after', '/voice/status']);
  expect(requests[2]!.params.DialCallStatus).toBe('busy');
  expect(result.transcript.map((l) => l.text)).not.toContain('never said');
  expect(result.ending).toBe('line hung up');
});

test('a Gather without an action reports to the URL of its document', async () => {
  const { requests } = await call({ '/voice': `<Redirect>${BASE}/menu</Redirect>`, '/menu': '<Gather><Say>Press 1.</Say></Gather>' }, '1');
  expect(requests.map((r) => r.path)).toEqual(['/voice', '/menu', '/menu', '/voice/status']);
  expect(requests[2]!.params.Digits).toBe('1');
});

test('unknown elements inside verbs, and GET methods, are reported too', async () => {
  const { result } = await call(
    { '/voice': '<Gather action="x" method="GET"><Play>a.mp3</Play><Say>Hi</Say></Gather><Hangup/>' },
    'hangup',
  );
  expect(result.errors).toEqual(['unknown TwiML <Play> inside <Gather>', '<Gather method="GET">: only POST is followed']);
});

test('an unknown verb is reported, not skipped silently', async () => {
  const { result } = await call({ '/voice': '<Play>https://example.test/a.mp3</Play><Hangup/>' }, '');
  expect(result.errors).toEqual(['unknown TwiML verb <Play>']);
});

test('a failing webhook goes to the fallback URL, as Twilio does', async () => {
  const line = fakeLine({ '/fallback': '<Say>Sorry.</Say><Hangup/>' });
  const result = await placeCall({
    baseUrl: BASE,
    authToken: 'x',
    transport: line.transport,
    next: scripted([]),
    fallbackUrl: `${BASE}/fallback`,
  });
  expect(result.errors).toEqual(['/voice: HTTP 404: not found']);
  expect(line.requests[1]).toMatchObject({ path: '/fallback', params: expect.objectContaining({ ErrorCode: '11200' }) });
  expect(result.ending).toBe('line hung up');
});

test('steps: keys, no key, desk outcomes and hang-up', () => {
  expect(parseSteps('1, *,#,_,pause,answer,busy,no-answer,failed,hangup')).toEqual([
    { kind: 'key', key: '1' },
    { kind: 'key', key: '*' },
    { kind: 'key', key: '#' },
    { kind: 'silence' },
    { kind: 'silence' },
    { kind: 'desk', outcome: 'answered' },
    { kind: 'desk', outcome: 'busy' },
    { kind: 'desk', outcome: 'no-answer' },
    { kind: 'desk', outcome: 'failed' },
    { kind: 'hangup' },
  ]);
  expect(parseSteps('say:password,say:Black screen@0.4,SAY:yes@1')).toEqual([
    { kind: 'speech', text: 'password', confidence: 0.92 },
    { kind: 'speech', text: 'Black screen', confidence: 0.4 },
    { kind: 'speech', text: 'yes', confidence: 1 },
  ]);
  expect(() => parseSteps('say:')).toThrow(/say:password@0.4/);
  expect(() => parseSteps('say:yes@1.5')).toThrow(/confidence from 0 to 1/);
  expect(() => parseSteps('12')).toThrow(/unknown step '12'/);
});
