import { isEnded, type CallSummary, type SessionStore, type StoredSession } from '../../src/store/session-store';

/** The live call the store holds, or null; fails the test when the call has ended. */
export async function liveCall(store: SessionStore, callSid: string): Promise<StoredSession | null> {
  const found = await store.load(callSid);
  if (isEnded(found)) throw new Error(`call ${callSid} has ended; a live call was expected`);
  return found;
}

/** The summary of a call that has ended (null when none is kept); fails the test when the call has not ended. */
export async function endedSummary(store: SessionStore, callSid: string): Promise<CallSummary | null> {
  const found = await store.load(callSid);
  if (!isEnded(found)) throw new Error(`call ${callSid} has not ended`);
  return found.summary;
}
