import type express from 'express';
import type { Config } from '../common/config';
import type { Logger } from '../common/log';
import type { Metrics } from '../common/metrics';
import type { FlowRegistry } from '../engine/registry';
import { MemoryStore } from '../store/memory-store';
import { RedisStore } from '../store/redis-store';
import type { SessionStore } from '../store/session-store';
import type { CallObserver } from '../turn/call-observer';
import { Desk } from './desk';
import { DeskMetrics } from './desk-metrics';
import { deskApp } from './desk-routes';
import type { DeskStore } from './desk-store';
import { LiveHub } from './live-hub';
import { MemoryDeskStore } from './memory-desk-store';
import { RedisDeskStore } from './redis-desk-store';
import { KnownAddresses } from './known-addresses';
import { SignIns } from './sign-in';
import { SignInLimits } from './sign-in-limits';
import type { Callbacks } from '../callbacks/callbacks';

/** One desk store per call store: instances in one process that share a call store share the desk's too. */
const deskStores = new WeakMap<SessionStore, DeskStore>();

/** The desk's store beside the call store: on its Redis (same key prefix), or in memory beside the memory store. */
export function deskStoreFor(store: SessionStore, logger: Logger): DeskStore {
  let desk = deskStores.get(store);
  if (desk === undefined) {
    if (store instanceof RedisStore) {
      let healthy = true;
      desk = new RedisDeskStore(store.client, store.prefix, (error) => {
        if (healthy) logger.warn({ error: error.message }, 'desk: redis connection problem (live transfers)');
        healthy = false;
      });
    } else {
      if (!(store instanceof MemoryStore))
        logger.warn('desk: this call store has no desk store of its own; the desk keeps its data in memory');
      desk = new MemoryDeskStore();
    }
    deskStores.set(store, desk);
  }
  return desk;
}

export interface DeskParts {
  /** The express app to mount at /desk. */
  app: express.Express;
  /** Told of transfers, dials and ends by the webhooks. */
  observer: CallObserver;
  hub: LiveHub;
  /** Writes the events still waiting and resolves when every one has been written: before the store closes. */
  settle(): Promise<void>;
}

export interface DeskOptions {
  config: Config;
  store: SessionStore;
  flows: FlowRegistry;
  logger: Logger;
  metrics: Metrics;
  accepting?: () => boolean;
  /** The callback queue: listed on the page, claimed and closed by agents. */
  callbacks?: Callbacks;
}

/** The desk page, when DESK_USERS names at least one account; undefined otherwise (then /desk is a 404). */
export function createDesk(options: DeskOptions): DeskParts | undefined {
  const { config, flows, logger } = options;
  const users = config.DESK_USERS;
  if (users === undefined || users.length === 0) return undefined;
  const store = deskStoreFor(options.store, logger);
  const metrics = new DeskMetrics(options.metrics);
  const desk = new Desk({
    store,
    calls: options.store,
    flows,
    logger,
    metrics,
    timeZone: config.DESK_TIME_ZONE,
    summaryTtlSeconds: config.SUMMARY_TTL_SECONDS,
    liveCallTtlSeconds: config.DESK_SESSION_TTL_SECONDS,
    storeTimeoutMs: config.STORE_TIMEOUT_MS,
  });
  // Sign-in limits and the addresses agents signed in from on the line's Redis, shared by every instance (a Cluster
  // too: each is one key), or in memory.
  const where =
    options.store instanceof RedisStore
      ? { redis: options.store.client, prefix: options.store.prefix }
      : { prefix: config.REDIS_KEY_PREFIX };
  const limits = new SignInLimits(where);
  const signIns = new SignIns({
    store,
    users,
    ttlSeconds: config.DESK_SIGN_IN_TTL_SECONDS,
    secret: config.TWILIO_AUTH_TOKEN,
    limits,
    knownAddresses: new KnownAddresses({ ...where, secret: config.TWILIO_AUTH_TOKEN }),
  });
  const base = `${new URL(config.PUBLIC_BASE_URL).pathname.replace(/\/+$/, '')}/desk`;
  // A change on this instance reaches every instance's pages the way transfers do.
  options.callbacks?.onChange((id) => {
    store.publish(JSON.stringify({ type: 'callbacks', ...(id !== undefined && { id }) })).catch((error: Error) => {
      logger.warn({ desk: 'callbacks', error: error.message }, 'desk: a callback change was not published');
    });
  });
  const hub = new LiveHub({
    base,
    ...(options.callbacks === undefined ? {} : { callbacks: options.callbacks }),
    desk,
    store,
    signIns,
    metrics,
    logger,
    flows,
    timeZone: config.DESK_TIME_ZONE,
    ...(options.accepting === undefined ? {} : { accepting: options.accepting }),
  });
  const app = deskApp({
    desk,
    ...(options.callbacks === undefined ? {} : { callbacks: options.callbacks }),
    hub,
    signIns,
    flows,
    logger,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    timeZone: config.DESK_TIME_ZONE,
    signInTtlSeconds: config.DESK_SIGN_IN_TTL_SECONDS,
    refused: () => metrics.signInBusy(),
    summaryTtlSeconds: config.SUMMARY_TTL_SECONDS,
    ...(config.DESK_TRUST_PROXY === undefined ? {} : { trustProxy: config.DESK_TRUST_PROXY }),
  });
  return { app, observer: desk, hub, settle: () => desk.settle() };
}
