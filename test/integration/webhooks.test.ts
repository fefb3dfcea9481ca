import { readTwiml } from '../../src/simulator/twiml-reader';
import type { SessionStore } from '../../src/store/session-store';
import { signWebhook } from '../../src/telephony/signature';
import { AUTH_TOKEN, BASE_URL, startLine, type StoreKind, type TestLine } from '../helpers/line';
import { endedSummary, liveCall } from '../helpers/stored';

const CALL = `CA${'a'.repeat(32)}`;
const call = (extra: Record<string, string> = {}) => ({ CallSid: CALL, From: '+16045551234', To: '+18005550100', ...extra });

describe.each<StoreKind>(['redis', 'memory'])('webhooks on the %s store', (kind) => {
  let line: TestLine;
  beforeEach(async () => {
    line = await startLine(kind);
  });
  afterEach(async () => {
    await line.close();
  });

  describe('signatures', () => {
    test('a missing signature gets 403 and touches no state', async () => {
      const res = await line.post('/voice', call(), { signature: null });
      expect(res.status).toBe(403);
      expect(res.text).toBe('missing X-Twilio-Signature');
      expect(await line.store.load(CALL)).toBeNull();
    });

    test('a wrong signature gets 403', async () => {
      const res = await line.post('/voice', call(), {
        signature: signWebhook('another-token', `${BASE_URL}/voice`, call()).signature,
      });
      expect(res.status).toBe(403);
      expect(await line.store.load(CALL)).toBeNull();
    });

    test('a signature for other parameters, or another URL, gets 403', async () => {
      const sig = signWebhook(AUTH_TOKEN, `${BASE_URL}/voice`, call()).signature;
      expect((await line.post('/voice', call({ Digits: '1' }), { signature: sig })).status).toBe(403);
      const inputSig = signWebhook(AUTH_TOKEN, `${BASE_URL}/voice/input?t=1`, call({ Digits: '1' })).signature;
      expect((await line.post('/voice/input?t=2', call({ Digits: '1' }), { signature: inputSig })).status).toBe(403);
    });

    test('every webhook path checks the signature', async () => {
      for (const path of [
        '/voice',
        '/voice/input?t=1',
        '/voice/announced?t=1&then=menu',
        '/voice/dial?t=1',
        '/voice/whisper?w=x',
        '/voice/status',
        '/voice/fallback',
        '/voice/rescue/dial',
        '/voice/rescue/choice',
      ])
        expect((await line.post(path, call(), { signature: 'bogus' })).status).toBe(403);
    });

    test('webhooks for another account are refused when TWILIO_ACCOUNT_SID is set', async () => {
      const own = await startLine(kind, { TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}` });
      expect((await own.post('/voice', call({ AccountSid: `AC${'2'.repeat(32)}` }))).status).toBe(403);
      expect((await own.post('/voice', call({ AccountSid: `AC${'1'.repeat(32)}` }))).status).toBe(200);
      await own.close();
    });
  });

  test('a refused webhook is logged, without the signature', async () => {
    await line.post('/voice', call(), { signature: 'forged-signature' }).expect(403);
    const refused = line.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'webhook refused');
    expect(refused).toMatchObject({ route: '/voice', status: 403, reason: 'X-Twilio-Signature does not match this request' });
    expect(line.logs.join('')).not.toContain('forged-signature');
  });

  describe('bad input gets a 4xx with a reason, never a 500', () => {
    test('malformed parameters: 400 naming the parameter', async () => {
      const res = await line.post('/voice', { CallSid: 'not-a-call' });
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/^invalid call parameters: CallSid: must be a Twilio CallSid/);
      const dial = await line.post('/voice/dial?t=1', call({ DialCallStatus: 'exploded' }));
      expect(dial.status).toBe(400);
      expect(dial.text).toMatch(/DialCallStatus/);
      const query = await line.post('/voice/input?t=soon', call({ Digits: '1' }));
      expect(query.status).toBe(400);
      expect(query.text).toMatch(/^invalid query: t: /);
    });

    test('wrong content type: 415', async () => {
      const { default: request } = await import('supertest');
      const res = await request(line.app).post('/voice').set('Content-Type', 'application/json').send(JSON.stringify(call()));
      expect(res.status).toBe(415);
    });

    test('an oversized body: 413', async () => {
      const res = await line.post('/voice', call({ Padding: 'x'.repeat(40_000) }));
      expect(res.status).toBe(413);
      expect(res.text).toBe('request body is too large');
    });

    test('unknown paths: 404', async () => {
      expect((await line.post('/voice/nowhere', call())).status).toBe(404);
    });
  });

  describe('turns', () => {
    test('a repeated webhook returns the same TwiML and does not advance the call twice', async () => {
      await line.post('/voice', call()).expect(200);
      const first = await line.post('/voice/input?t=1', call({ Digits: '3' })).expect(200);
      const again = await line.post('/voice/input?t=1', call({ Digits: '3' })).expect(200);
      expect(again.text).toBe(first.text);
      const stored = await liveCall(line.store, CALL);
      expect(stored?.version).toBe(2);
      expect(stored?.record.call.value).toBe('mfa-uninstalled-app');
      // The repeated incoming-call webhook also replays.
      const incoming = await line.post('/voice', call()).expect(200);
      expect(incoming.text).toBe(first.text);
    });

    test('racing requests that all read the same turn: the compare-and-set lets exactly one advance', async () => {
      await line.post('/voice', call()).expect(200);
      // Another instance, which has not seen the call, takes the turn's requests. Every request loads version 1
      // before any of them saves: only the compare-and-set can tell them apart.
      const other = await startLine(kind, {}, line);
      const load = line.store.load.bind(line.store);
      let loads = 0;
      let release!: () => void;
      const allLoaded = new Promise<void>((r) => (release = r));
      line.store.load = async (sid) => {
        const stored = await load(sid);
        if (++loads === 4) release();
        if (loads <= 4) await allLoaded;
        return stored;
      };
      const answers = await Promise.all(['1', '2', '3', '4'].map((d) => other.post('/voice/input?t=1', call({ Digits: d }))));
      line.store.load = load;
      const outcomes = other.logs
        .map((l) => JSON.parse(l) as { route?: string; outcome?: string })
        .filter((l) => l.route === '/voice/input')
        .map((l) => l.outcome);
      expect(outcomes.sort()).toEqual(['advanced', 'conflict-replayed', 'conflict-replayed', 'conflict-replayed']);
      const stored = await liveCall(line.store, CALL);
      expect(stored?.version).toBe(2);
      // Every request heard the prompt of the state that won, and that state is what the store holds.
      for (const r of answers) expect(r.text).toBe(answers.find((a) => a.text.includes('t=2'))!.text);
      expect(['username', 'password', 'mfa-uninstalled-app', 'black-screen-restart']).toContain(stored?.record.call.value);
    });

    test('a repeated dial outcome does not advance the call twice', async () => {
      await line.post('/voice', call()).expect(200);
      await line.post('/voice/input?t=1', call({ Digits: '0' })).expect(200);
      const first = await line.post('/voice/dial?t=2', call({ DialCallStatus: 'busy' })).expect(200);
      const again = await line.post('/voice/dial?t=2', call({ DialCallStatus: 'busy' })).expect(200);
      expect(again.text).toBe(first.text);
      expect((await liveCall(line.store, CALL))?.version).toBe(3);
    });

    test('an unknown CallSid mid-call is told and transferred to the desk', async () => {
      const res = await line.post('/voice/input?t=4', call({ Digits: '1' })).expect(200);
      const verbs = readTwiml(res.text);
      expect(verbs[0]).toMatchObject({ verb: 'Say', text: expect.stringContaining('I lost track of where we were') });
      expect(verbs[1]).toMatchObject({ verb: 'Dial', action: `${BASE_URL}/voice/rescue/dial?d=0` });
    });

    test('garbage in Digits is a wrong key, answered with a reprompt', async () => {
      await line.post('/voice', call()).expect(200);
      const res = await line.post('/voice/input?t=1', call({ Digits: '%%<script>' })).expect(200);
      expect(readTwiml(res.text)[0]).toMatchObject({
        verb: 'Gather',
        says: [expect.stringMatching(/^Sorry, that key isn't a choice\./)],
      });
    });

    test('the status callback deletes the session and keeps a summary', async () => {
      await line.post('/voice', call()).expect(200);
      await line.post('/voice/input?t=1', call({ Digits: '2' })).expect(200);
      const ringing = await line.post('/voice/status', call({ CallStatus: 'ringing' }));
      expect(ringing.status).toBe(204);
      expect(await liveCall(line.store, CALL)).not.toBeNull();
      const res = await line.post('/voice/status', call({ CallStatus: 'completed', CallDuration: '75' }));
      expect(res.status).toBe(204);
      expect(await endedSummary(line.store, CALL)).toMatchObject({
        lastNode: 'password',
        history: ['Problem: password (pressed 2)'],
        callStatus: 'completed',
        durationSeconds: 75,
      });
    });

    test.each(['1.5', '-1', 'abc', ''])(
      'a terminal status callback with a malformed CallDuration (%j) still ends the call, with no duration',
      async (duration) => {
        await line.post('/voice', call()).expect(200);
        await line.post('/voice/status', call({ CallStatus: 'completed', CallDuration: duration, From: 'x'.repeat(100) })).expect(204);
        expect(await endedSummary(line.store, CALL)).toMatchObject({ callStatus: 'completed', durationSeconds: null });
      },
    );

    test('a status callback without a valid CallSid or CallStatus is still refused', async () => {
      expect((await line.post('/voice/status', call({ CallStatus: 'finished' }))).status).toBe(400);
      expect((await line.post('/voice/status', { CallSid: 'CA1', CallStatus: 'completed' })).status).toBe(400);
    });

    test('a turn still in flight when the status callback ends the call does not start it again', async () => {
      const other = await startLine(kind, {}, line);
      await line.post('/voice', call()).expect(200);
      await other.post('/voice/input?t=1', call({ Digits: '3' })).expect(200);
      await line.post('/voice/status', call({ CallStatus: 'completed', CallDuration: '20' })).expect(204);
      const summary = await endedSummary(line.store, CALL);
      expect(summary).toMatchObject({ lastNode: 'mfa-uninstalled-app' });
      // The other instance still holds the call; a late turn finds the store empty but the call ended.
      await other.post('/voice/input?t=2', call({ Digits: '1' })).expect(200);
      expect(await endedSummary(line.store, CALL)).toEqual(summary);
      await other.close();
    });

    test('a status callback on an instance that did not answer the last turns sums up the call as it ended', async () => {
      const other = await startLine(kind, {}, line);
      await line.post('/voice', call()).expect(200);
      await line.post('/voice/input?t=1', call({ Digits: '3' })).expect(200);
      // The next turns land on the other instance; this one's copy of the call is now two versions old.
      await other.post('/voice/input?t=2', call({ Digits: '2' })).expect(200);
      await other.post('/voice/input?t=3', call({ Digits: '2' })).expect(200);
      const stored = await liveCall(line.store, CALL);
      await line.post('/voice/status', call({ CallStatus: 'completed', CallDuration: '40' })).expect(204);
      expect(await endedSummary(line.store, CALL)).toMatchObject({
        lastNode: stored!.record.call.value,
        history: stored!.record.call.context.history,
        callStatus: 'completed',
        durationSeconds: 40,
      });
      expect(stored!.record.call.context.history.length).toBeGreaterThanOrEqual(2);
      // Two round trips: the compare-and-set at the old version fails and returns the call as it is; the second ends it.
      const metrics = await line.metrics();
      expect(metrics).toMatch(/portal_line_store_round_trips_total\{operation="end"\} 2\n/);
      expect(metrics).not.toMatch(/portal_line_store_round_trips_total\{operation="load"\}/);
      await other.close();
    });
  });

  describe('never silence', () => {
    test('the fallback URL apologises and dials the desk without any state', async () => {
      const res = await line.post('/voice/fallback', call({ ErrorCode: '11200', ErrorUrl: `${BASE_URL}/voice` })).expect(200);
      const verbs = readTwiml(res.text);
      expect(verbs.map((v) => v.verb)).toEqual(['Say', 'Dial']);
      expect(verbs[1]).toMatchObject({ numbers: [{ number: '+18006052965', url: expect.stringContaining('/voice/whisper?w=') }] });
    });

    test('the rescue asks "try again?" as a call with state does, and ends politely', async () => {
      const choice = (query: string) => `${BASE_URL}/voice/rescue/choice?${query}`;
      const busy = readTwiml((await line.post('/voice/rescue/dial?d=0', call({ DialCallStatus: 'busy' })).expect(200)).text);
      expect(busy[0]).toMatchObject({
        verb: 'Gather',
        action: choice('s=f&n=0&d=1&p=busy'),
        says: ["I'm sorry, the Business Support Desk is busy right now. To try again, press 1. To end the call, press 2."],
      });
      const again = readTwiml((await line.post('/voice/rescue/choice?s=f&n=0&d=1&p=busy', call({ Digits: '1' })).expect(200)).text);
      expect(again.map((v) => v.verb)).toEqual(['Say', 'Dial']);
      expect(again[1]).toMatchObject({ action: `${BASE_URL}/voice/rescue/dial?d=1` });
      const silent = readTwiml((await line.post('/voice/rescue/choice?s=f&n=1&d=1&p=busy', call()).expect(200)).text);
      expect(silent[0]).toMatchObject({ verb: 'Gather', action: choice('s=f&n=2&d=1&p=busy') });
      expect(silent[0]).toMatchObject({ says: [expect.stringMatching(/^Sorry, I didn't hear a key\..*9 for the main menu\.$/)] });
      const repeat = readTwiml((await line.post('/voice/rescue/choice?s=f&n=1&d=1&p=busy', call({ Digits: '*' })).expect(200)).text);
      expect(repeat[0]).toMatchObject({
        verb: 'Gather',
        action: choice('s=f&n=0&d=1&p=busy'),
        says: [expect.stringMatching(/busy right now/)],
      });
      // "End the call", and the third failed answer: the desk's number and the reference, which star repeats.
      for (const [query, digits] of [
        ['s=f&n=0&d=1&p=busy', '2'],
        ['s=f&n=2&d=1&p=busy', '8'],
      ] as const) {
        const end = readTwiml((await line.post(`/voice/rescue/choice?${query}`, call({ Digits: digits })).expect(200)).text);
        expect(end[0]).toMatchObject({ verb: 'Gather', action: choice('s=u&n=0&d=1&p=busy') });
        expect(end[0]).toMatchObject({
          says: [
            expect.stringMatching(
              /^Please call the Business Support Desk at 1, 8 0 0, 6 0 5, 2 9 6 5, and give them your reference number, \d/,
            ),
          ],
        });
      }
      const starred = readTwiml((await line.post('/voice/rescue/choice?s=u&n=0&d=1&p=busy', call({ Digits: '*' })).expect(200)).text);
      expect(starred[0]).toMatchObject({ says: [expect.stringMatching(/^Please call the Business Support Desk at/)] });
      const bye = readTwiml((await line.post('/voice/rescue/choice?s=u&n=0&d=1&p=busy', call()).expect(200)).text);
      expect(bye).toMatchObject([{ verb: 'Say', text: 'Thank you for calling. Goodbye.' }, { verb: 'Hangup' }]);
      // The third dial that fails ends with the number and the reference: no fourth.
      const last = readTwiml((await line.post('/voice/rescue/dial?d=2', call({ DialCallStatus: 'no-answer' })).expect(200)).text);
      expect(last[0]).toMatchObject({ verb: 'Gather', action: choice('s=u&n=0&d=3&p=noAnswer') });
      expect(last[0]).toMatchObject({
        says: [
          expect.stringMatching(/^I'm sorry, nobody at the Business Support Desk answered\. Please call the Business Support Desk at/),
        ],
      });
      // 9 starts the call again at the main menu, as a new call starts.
      const menu = readTwiml((await line.post('/voice/rescue/choice?s=f&n=0&d=1', call({ Digits: '9' })).expect(200)).text);
      expect(menu).toMatchObject([{ verb: 'Redirect', url: `${BASE_URL}/voice` }]);
      const done = readTwiml((await line.post('/voice/rescue/dial', call({ DialCallStatus: 'completed' })).expect(200)).text);
      expect(done.map((v) => v.verb)).toEqual(['Say', 'Hangup']);
    });

    test('a rescue URL with a made-up state is refused with the reason', async () => {
      const res = await line.post('/voice/rescue/choice?s=x&d=99', call({ Digits: '1' })).expect(400);
      expect(res.text).toMatch(/query/);
    });
  });

  test('no log line holds the digits a caller entered, on any route, refused requests included', async () => {
    const digits = '5551234567';
    await line.post('/voice', call({ Digits: digits })).expect(200);
    await line.post('/voice/input?t=1', call({ Digits: digits })).expect(200);
    await line.post('/voice/input?t=2', call({ Digits: digits })).expect(200);
    await line.post('/voice/dial?t=3', call({ DialCallStatus: 'busy', Digits: digits })).expect(200);
    await line.post(`/voice/whisper?w=${digits}`, call({ Digits: digits })).expect(200);
    await line.post('/voice/rescue/dial', call({ DialCallStatus: 'busy', Digits: digits })).expect(200);
    await line.post('/voice/rescue/choice?n=0', call({ Digits: digits })).expect(200);
    await line.post('/voice/rescue/choice?n=0', call({ Digits: '1' })).expect(200);
    const errorUrl = `${BASE_URL}/voice/input?t=4&Digits=${digits}`;
    await line.post('/voice/fallback', call({ ErrorCode: '11200', ErrorUrl: errorUrl, Digits: digits })).expect(200);
    await line.post('/voice/status', call({ CallStatus: 'completed', Digits: digits })).expect(204);
    // Refused: a forged signature, a bad query, a bad parameter; each with the digits in the query and the body.
    await line.post(`/voice/input?t=1&d=${digits}`, call({ Digits: digits }), { signature: 'forged' }).expect(403);
    await line.post(`/voice/input?t=${digits}x`, call({ Digits: digits })).expect(400);
    await line.post('/voice/input?t=1', call({ Digits: `${digits}`.repeat(30) })).expect(400);
    const turns = line.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(turns.filter((l) => l.msg === 'webhook turn')).toHaveLength(10);
    expect(turns.filter((l) => l.msg === 'webhook turn' && l.event === 'key')).toHaveLength(4);
    expect(turns.find((l) => l.route === '/voice/fallback')).toMatchObject({ errorUrl: `${BASE_URL}/voice/input` });
    for (const logged of line.logs) expect(logged).not.toContain(digits);
  });

  test('a flood of forged webhooks leaves a bounded number of short log lines', async () => {
    for (let i = 0; i < 1000; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => line.post('/voice', call(), { signature: 'forged' })));
      for (const res of batch) expect(res.status).toBe(403);
    }
    await line.post(`/voice/input?t=1&pad=${'p'.repeat(5000)}`, call(), { signature: 'forged' }).expect(403);
    const refused = line.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'webhook refused');
    // The first of the kind; the rest are counted into one line when the sampling window ends.
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ route: '/voice', status: 403, reason: 'X-Twilio-Signature does not match this request' });
    for (const logged of line.logs) expect(logged.length).toBeLessThan(500);
  });

  test('health and readiness', async () => {
    const { default: request } = await import('supertest');
    await request(line.app).get('/healthz').expect(200, { status: 'ok' });
    await request(line.app).get('/readyz').expect(200, { status: 'ready' });
  });

  test('logs: one line per turn with CallSid, node, event, outcome and latency; no full phone number or token', async () => {
    await line.call('1,2,1');
    const turns = line.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'webhook turn');
    expect(turns.length).toBeGreaterThanOrEqual(4);
    for (const t of turns) {
      expect(t).toEqual(
        expect.objectContaining({ callSid: expect.stringMatching(/^CA/), outcome: expect.any(String), latencyMs: expect.any(Number) }),
      );
    }
    expect(turns[1]).toMatchObject({ node: 'username', event: 'key', keys: 1, outcome: 'advanced' });
    const all = line.logs.join('');
    expect(all).not.toContain('5555550123');
    expect(all).not.toContain(AUTH_TOKEN);
    expect(all).toContain('+1******0123');
  });
});

describe('faults inside the line still answer with TwiML that reaches the desk', () => {
  const broken = (what: Partial<Record<keyof SessionStore, () => Promise<never>>>) => async (line: TestLine) =>
    Object.assign(line.store, what);

  test.each([
    ['a load that throws', broken({ load: () => Promise.reject(new Error('boom')) })],
    ['a save that throws', broken({ save: () => Promise.reject(new Error('boom')) })],
    [
      'a store that never answers',
      broken({ load: () => new Promise<never>(() => undefined), save: () => new Promise<never>(() => undefined) }),
    ],
  ])('%s', async (name, breakIt) => {
    const first = await startLine('memory');
    await first.post('/voice', call()).expect(200);
    // The next turn reaches another instance, which must read the call from the store.
    const line = await startLine('memory', {}, first);
    await breakIt(line);
    const started = Date.now();
    const res = await line.post('/voice/input?t=1', call({ Digits: '1' }));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(res.status).toBe(200);
    const verbs = readTwiml(res.text);
    expect(verbs.map((v) => v.verb)).toEqual(['Say', 'Dial']);
    expect(verbs[1]).toMatchObject({ numbers: [{ number: '+18006052965' }] });
    expect(res.text).not.toMatch(/Error|stack|boom/);
    const fresh = await line.post('/voice', call({ CallSid: `CA${'b'.repeat(32)}` })).expect(200);
    if (name === 'a load that throws') {
      // An incoming call is saved without a load: it starts as usual.
      expect(readTwiml(fresh.text)[0]).toMatchObject({ verb: 'Gather', says: [expect.stringMatching(/^Customer Portal login help\./)] });
    } else {
      // A call that cannot even start hears a greeting and why, not "I lost track of where we were".
      expect(readTwiml(fresh.text)[0]).toMatchObject({
        verb: 'Say',
        text: expect.stringMatching(/^Thank you for calling .* technical problem/),
      });
    }
    // Each failed store operation is counted by operation and kind (the alerts read them).
    const metrics = await line.metrics();
    const failed = (operation: string, kind: string) =>
      Number(new RegExp(`portal_line_store_failures_total\\{operation="${operation}",kind="${kind}"\\} (\\d+)`).exec(metrics)?.[1]);
    const expected = {
      'a load that throws': { load: ['unreachable', 1], save: ['unreachable', 0] },
      'a save that throws': { load: ['unreachable', 0], save: ['unreachable', 2] },
      'a store that never answers': { load: ['timeout', 1], save: ['timeout', 1] },
    }[name]!;
    expect({ load: failed('load', expected.load[0] as string), save: failed('save', expected.save[0] as string) }).toEqual({
      load: expected.load[1],
      save: expected.save[1],
    });
    const { default: request } = await import('supertest');
    if (name !== 'a save that throws') {
      Object.assign(line.store, { ping: () => Promise.reject(new Error('down')) });
      await request(line.app).get('/readyz').expect(503);
    }
    await first.close();
  });

  test('a call this instance saved last takes one store round trip per webhook, its first and its last included', async () => {
    const line = await startLine('redis');
    await line.call('3,2,2,1,1');
    const metrics = await line.metrics();
    const count = (op: string) =>
      Number(new RegExp(`portal_line_store_round_trips_total\\{operation="${op}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    // The incoming call saves; five keys save once each; the status callback ends the call at the version this
    // instance saved last. One round trip a webhook, and no load at all.
    expect({ load: count('load'), save: count('save'), end: count('end') }).toEqual({ load: 0, save: 6, end: 1 });
    await line.close();
    // Labelled with the URL path Twilio called, as the logs are.
    expect(metrics).toMatch(/portal_line_webhooks_total\{route="\/voice\/input",outcome="advanced"\} 5/);
  });
});
