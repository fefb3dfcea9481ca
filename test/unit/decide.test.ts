import type { CallEvent } from '../../src/engine/call-machine';
import type { Found, StoredSession } from '../../src/store/session-store';
import { decide, type Decision } from '../../src/turn/decide';
import { record } from '../store/conformance';

const at = (version: number, flowId = 'portal-login'): StoredSession => ({ version, record: { ...record('main-menu'), flowId } });
const key: CallEvent = { type: 'KEY', key: '1' };
const deskDone: CallEvent = { type: 'DIAL', outcome: 'connected' };
const ended: Found = { ended: true, summary: null };
const knownFlow = (id: string) => id === 'portal-login';

/** [what the case proves, stored (undefined: not read yet), cached, event, t, the decision] */
const cases: [string, Found | undefined, StoredSession | undefined, CallEvent | null, number | null, Decision][] = [
  ['a new call starts without reading the store', undefined, undefined, null, null, { do: 'start' }],
  ['a repeated incoming-call webhook replays the call', at(3), undefined, null, null, { do: 'replay', from: at(3) }],
  ['a replayed incoming-call webhook for an ended call does not start it again', ended, undefined, null, null, { do: 'ended' }],
  ['the copy this instance saved last answers its own prompt in one round trip', undefined, at(4), key, 4, { do: 'advance', from: at(4) }],
  ['a request for another prompt than the cached copy reads the store', undefined, at(4), key, 3, { do: 'load' }],
  ['a copy of a flow this instance does not know is not used', undefined, at(4, 'gone'), key, 4, { do: 'load' }],
  ['the stored call answers the prompt it was made at', at(4), undefined, key, 4, { do: 'advance', from: at(4) }],
  ['a stale or repeated key press replays the stored call', at(5), undefined, key, 4, { do: 'replay', from: at(5) }],
  ['a call another instance moved on is taken as stored', at(6), at(4), key, 4, { do: 'replay', from: at(6) }],
  [
    'a call the store lost is put back from this instance, stepped',
    null,
    at(4),
    key,
    4,
    { do: 'restore', from: at(4), step: true, over: 0 },
  ],
  [
    'a call the store lost is put back, not stepped, for a stale request',
    null,
    at(4),
    key,
    2,
    { do: 'restore', from: at(4), step: false, over: 0 },
  ],
  [
    'an older copy put back by another instance is replaced by the newer one here',
    at(2),
    at(5),
    key,
    5,
    { do: 'restore', from: at(5), step: true, over: 2 },
  ],
  ['a key press for an ended call does not bring it back', ended, at(4), key, 4, { do: 'ended' }],
  ['a call nobody knows is transferred to the desk', null, undefined, key, 2, { do: 'rescue', why: 'state-lost', history: null }],
  ['a desk conversation that ended normally with the state gone ends with the goodbye', null, undefined, deskDone, 3, { do: 'afterDesk' }],
  [
    'a call on a flow this instance does not know is transferred with what the caller said',
    at(3, 'gone'),
    undefined,
    key,
    3,
    { do: 'rescue', why: 'unknown-flow', history: [] },
  ],
];

test.each(cases)('%s', (_what, stored, cached, event, t, decision) => {
  expect(decide({ stored, cached, event, t, knownFlow })).toEqual(decision);
});
