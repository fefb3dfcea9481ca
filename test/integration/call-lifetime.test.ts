import { readTwiml } from '../../src/simulator/twiml-reader';
import type { SessionStore } from '../../src/store/session-store';
import { startLine, type StoreKind, type TestLine } from '../helpers/line';
import { endedSummary, liveCall } from '../helpers/stored';

const CALL = `CA${'b'.repeat(32)}`;
const call = (extra: Record<string, string> = {}) => ({ CallSid: CALL, From: '+16045551234', To: '+18005550100', ...extra });

/** Empties the store of everything, as a Redis restarted without persistence is. */
async function emptyStore(line: TestLine): Promise<void> {
  if (line.redis !== undefined) {
    const keys = await line.redis.keys(`${line.prefix}:*`);
    if (keys.length > 0) await line.redis.del(...keys);
  } else {
    for (const map of ['sessions', 'summaries']) (line.store as unknown as Record<string, Map<string, unknown>>)[map]!.clear();
  }
}

describe.each<StoreKind>(['redis', 'memory'])('a call over its life on the %s store', (kind) => {
  let line: TestLine;
  let other: TestLine;
  beforeEach(async () => {
    line = await startLine(kind);
    other = await startLine(kind, {}, line);
  });
  afterEach(async () => {
    await other.close();
    await line.close();
  });

  test('after the store restarts empty, a copy from an earlier life of the call never replaces its saved state', async () => {
    await other.post('/voice', call()).expect(200); // the other instance caches the call at version 1
    await line.post('/voice/input?t=1', call({ Digits: '3' })).expect(200); // MFA: v2, on this instance
    await line.post('/voice/input?t=2', call({ Digits: '2' })).expect(200); // not uninstalled: v3
    await emptyStore(line);
    // This instance saved last: the caller's next key puts the call back, above every earlier version.
    await line.post('/voice/input?t=3', call({ Digits: '2' })).expect(200); // not changed device
    const restored = await liveCall(line.store, CALL);
    expect(restored?.record.call.value).toBe('mfa-someone-elses-credentials');
    expect(restored!.version).toBeGreaterThan(3);
    expect(line.logs.some((l) => l.includes('"outcome":"restored"'))).toBe(true);
    // A stale key press on the instance that cached version 1 must not win.
    const stale = await other.post('/voice/input?t=1', call({ Digits: '1' })).expect(200);
    expect(stale.text).toContain('someone else');
    expect(await liveCall(line.store, CALL)).toEqual(restored);
  });

  test('an older copy put back by another instance is replaced by the newer copy, and the caller goes on', async () => {
    await line.post('/voice', call()).expect(200);
    await other.post('/voice/input?t=1', call({ Digits: '3' })).expect(200); // other: v2 at mfa-uninstalled-app
    await line.post('/voice/input?t=2', call({ Digits: '2' })).expect(200); // line: v3 at mfa-changed-device
    await emptyStore(line);
    // The other instance puts back what it had (version 2) for a repeated request...
    await other.post('/voice/input?t=1', call({ Digits: '3' })).expect(200);
    expect((await liveCall(line.store, CALL))?.record.call.value).toBe('mfa-uninstalled-app');
    // ...and the caller's real next key, on the instance with the newer copy, still counts.
    const next = await line.post('/voice/input?t=3', call({ Digits: '2' })).expect(200);
    expect(next.text).toContain('someone else');
    expect((await liveCall(line.store, CALL))?.record.call.value).toBe('mfa-someone-elses-credentials');
  });

  test('a desk conversation that ended normally while the state is gone ends with the goodbye, not a second transfer', async () => {
    await line.post('/voice', call()).expect(200);
    await line.post('/voice/input?t=1', call({ Digits: '0' })).expect(200);
    await emptyStore(line);
    // On an instance that never saw the call, with nothing in the store.
    const res = await other.post('/voice/dial?t=2', call({ DialCallStatus: 'completed' })).expect(200);
    expect(readTwiml(res.text).map((v) => v.verb)).toEqual(['Say', 'Hangup']);
    expect(res.text).not.toContain('<Dial');
  });

  test('a desk conversation that ended normally while the store does not answer ends with the goodbye', async () => {
    await line.post('/voice', call()).expect(200);
    await line.post('/voice/input?t=1', call({ Digits: '0' })).expect(200);
    const slow = new Promise<never>(() => undefined);
    const store = line.store as SessionStore;
    const load = store.load.bind(store);
    const save = store.save.bind(store);
    store.load = () => slow;
    store.save = () => slow;
    try {
      const res = await other.post('/voice/dial?t=2', call({ DialCallStatus: 'completed' })).expect(200);
      expect(readTwiml(res.text).map((v) => v.verb)).toEqual(['Say', 'Hangup']);
    } finally {
      store.load = load;
      store.save = save;
    }
  });

  test('an ended call stays ended: a replayed incoming call or status callback, or a late key press, changes nothing', async () => {
    for (const summaryTtl of ['604800', '0']) {
      const sid = `CA${summaryTtl === '0' ? 'c' : 'd'}${'0'.repeat(31)}`;
      const lineHere = await startLine(kind, { SUMMARY_TTL_SECONDS: summaryTtl }, line);
      const p = (extra: Record<string, string> = {}) => ({ ...call(extra), CallSid: sid });
      await lineHere.post('/voice', p()).expect(200);
      await lineHere.post('/voice/input?t=1', p({ Digits: '2' })).expect(200);
      await lineHere.post('/voice/status', p({ CallStatus: 'completed', CallDuration: '30' })).expect(204);
      const summary = await endedSummary(line.store, sid);
      // A replayed /voice does not start a new session; a replayed status callback does not overwrite the summary.
      const again = await lineHere.post('/voice', p()).expect(200);
      expect(readTwiml(again.text).map((v) => v.verb)).toEqual(['Hangup']);
      await lineHere.post('/voice/status', p({ CallStatus: 'failed', CallDuration: '99' })).expect(204);
      // A late key press on the instance that cached it does not restore it.
      await lineHere.post('/voice/input?t=2', p({ Digits: '1' })).expect(200);
      expect(await endedSummary(line.store, sid)).toEqual(summary);
      if (summaryTtl === '0') expect(summary).toBeNull();
      else expect(summary).toMatchObject({ callStatus: 'completed', durationSeconds: 30 });
      await lineHere.close();
    }
  });
});

test('a session left behind by a failed status callback is gone within SESSION_TTL_SECONDS, 30 minutes by default', async () => {
  const line = await startLine('redis');
  try {
    await line.post('/voice', call()).expect(200);
    await line.post('/voice/input?t=1', call({ Digits: '2' })).expect(200);
    const ttl = await line.redis!.ttl(`${line.prefix}:{${CALL}}:session`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30 * 60);
    // With the desk, no webhook comes until the conversation ends: the state lives longer then, still bounded.
    await line.post('/voice/input?t=2', call({ Digits: '0' })).expect(200);
    const atDesk = await line.redis!.ttl(`${line.prefix}:{${CALL}}:session`);
    expect(atDesk).toBeGreaterThan(30 * 60);
    expect(atDesk).toBeLessThanOrEqual(2 * 60 * 60);
  } finally {
    await line.close();
  }
});
