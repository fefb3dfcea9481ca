import { Callbacks } from '../../src/requests/callbacks/callbacks';
import { MemoryCallbackStore } from '../../src/backend/memory/callback-store';
import { createLogger } from '../../src/common/log';
import { Metrics } from '../../src/common/metrics';
import { CallerRequests } from '../../src/requests/caller-requests';
import { FollowUps } from '../../src/requests/follow-ups';
import type { CallerRequest } from '../../src/turn/requests';

/**
 * What the desk's card says of a callback follows what the desk's list holds: a turn that gave up on a callback
 * (its caller heard it could not be booked) says "not booked" only once it is off the list, never while another turn
 * of the same call, whose caller heard it is booked, still holds it.
 */

function setUp() {
  const callbacks = new Callbacks({
    store: new MemoryCallbackStore(),
    metrics: new Metrics(),
    logger: createLogger('silent'),
    retentionDays: 14,
    rules: { countries: new Set(['US', 'CA']), own: [] },
    hourlyLimit: 30,
    secret: 'test-secret',
  });
  const followUps = new FollowUps();
  const card: string[] = [];
  followUps.listen((f) => card.push(f.state));
  const requests = new CallerRequests(callbacks, undefined, createLogger('silent'), followUps);
  return { callbacks, requests, card };
}

const asked = (attempt: string): CallerRequest => ({
  callSid: `CA${'1'.repeat(32)}`,
  from: '+12045550123',
  to: '+18005550100',
  reference: '123456',
  flowId: 'portal-login',
  reason: 'The caller asked for the desk.',
  told: [],
  pending: { kind: 'callback', number: null },
  attempt,
});

const settle = () => new Promise((r) => setTimeout(r, 20));

test('a retried webhook that gave up while the first turn booked it: the card stays "booked", the desk keeps it', async () => {
  const { callbacks, requests, card } = setUp();
  expect(await requests.perform(asked('first'))).toBe('queued');
  const gaveUp = new AbortController();
  gaveUp.abort();
  await requests.perform(asked('retry'), gaveUp.signal);
  requests.withdraw(asked('retry'));
  await settle();
  expect(card).toEqual(['booked']);
  expect(await callbacks.open()).toHaveLength(1);
});

test('the only turn that asked gave up: the card says it could not be booked once it is off the list', async () => {
  const { callbacks, requests, card } = setUp();
  const gaveUp = new AbortController();
  const performing = requests.perform(asked('only'), gaveUp.signal);
  gaveUp.abort();
  await performing;
  requests.withdraw(asked('only'));
  await settle();
  expect(card).toEqual(['failed']);
  expect(await callbacks.open()).toEqual([]);
});
