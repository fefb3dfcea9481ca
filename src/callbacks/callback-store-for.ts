import { MemoryStore } from '../store/memory-store';
import { RedisStore } from '../store/redis-store';
import type { SessionStore } from '../store/session-store';
import type { CallbackStore } from './callback-store';
import { MemoryCallbackStore } from './memory-callback-store';
import { RedisCallbackStore } from './redis-callback-store';

/** One callback store per call store: apps in one process that share a call store share its callbacks too. */
const stores = new WeakMap<SessionStore, CallbackStore>();

/** Callbacks beside the calls: on their Redis (same key prefix), or in memory beside the memory store. */
export function callbackStoreFor(store: SessionStore): CallbackStore {
  let found = stores.get(store);
  if (found === undefined) {
    found =
      store instanceof RedisStore && !(store instanceof MemoryStore)
        ? new RedisCallbackStore(store.client, store.prefix)
        : new MemoryCallbackStore();
    stores.set(store, found);
  }
  return found;
}
