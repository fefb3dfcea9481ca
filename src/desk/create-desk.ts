import type express from 'express';
import type { Config } from '../common/config';
import type { Logger } from '../common/log';
import type { Metrics } from '../common/metrics';
import type { FlowRegistry } from '../engine/registry';
import type { SessionStore } from '../store/session-store';
import type { CallObserver } from '../turn/call-observer';
import { Desk } from './desk';
import { DeskMetrics } from './outcomes/desk-metrics';
import { deskApp } from './desk-routes';
import type { DeskStore } from './desk-store';
import { LiveHub } from './live/live-hub';
import { KnownAddresses, type AddressBook } from './sign-in/known-addresses';
import { SignIns } from './sign-in/sign-in';
import { oidcSignIn } from './sign-in/oidc-config';
import { SignInLimits, type MakeLimiter } from './sign-in/sign-in-limits';
import type { Callbacks } from '../requests/callbacks/callbacks';
import type { AnnouncementBoard } from '../announcement/announcement-board';
import type { AnnouncementStore } from '../announcement/announcement-store';
import { NO_WORDINGS } from '../announcement/announcement';
import { AnnouncementDesk } from './announcement/announcement-desk';
import type { InsightsRecorder } from '../insights/insights-recorder';

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
  /** The live calls, read for what a transfer card shows. */
  calls: SessionStore;
  /** The desk's own store, and the backend's limiters and address book for the sign-in. */
  store: DeskStore;
  limiter: MakeLimiter;
  knownAddresses: AddressBook;
  flows: FlowRegistry;
  logger: Logger;
  metrics: Metrics;
  accepting?: () => boolean;
  /** The callback queue: listed on the page, claimed and closed by agents. */
  callbacks?: Callbacks;
  /** The announcement every instance speaks, and this instance's copy of it. */
  announcements?: { store: AnnouncementStore; board: AnnouncementBoard };
  /** The flow's insights as this instance reads them (its own counts not yet written included); none when off. */
  insights?: Pick<InsightsRecorder, 'read'>;
}

/**
 * The desk page, for the accounts DESK_USERS names and those the organisation's identity provider lets in
 * (DESK_OIDC_ISSUER); app.ts makes it only when there is either.
 */
export function createDesk(options: DeskOptions): DeskParts {
  const { config, flows, logger } = options;
  const users = config.DESK_USERS ?? [];
  const store = options.store;
  const metrics = new DeskMetrics(options.metrics);
  const desk = new Desk({
    store,
    calls: options.calls,
    flows,
    logger,
    metrics,
    timeZone: config.DESK_TIME_ZONE,
    summaryTtlSeconds: config.SUMMARY_TTL_SECONDS,
    liveCallTtlSeconds: config.DESK_SESSION_TTL_SECONDS,
    storeTimeoutMs: config.STORE_TIMEOUT_MS,
  });
  // Sign-in limits and the addresses agents signed in from, shared by every instance on the same backend.
  const limits = new SignInLimits(options.limiter);
  const oidc = oidcSignIn(config, store, logger);
  const signIns = new SignIns({
    ...(oidc !== undefined && { oidc }),
    store,
    users,
    ttlSeconds: config.DESK_SIGN_IN_TTL_SECONDS,
    secret: config.TWILIO_AUTH_TOKEN,
    limits,
    knownAddresses: new KnownAddresses({ book: options.knownAddresses, secret: config.TWILIO_AUTH_TOKEN }),
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
  const entry = flows.entry.flow;
  const announcements = options.announcements && {
    announcements: new AnnouncementDesk({ ...options.announcements, log: store, logger, timeZone: config.DESK_TIME_ZONE }),
    draftContext: () => ({
      flow: entry.announcements ?? NO_WORDINGS,
      wordsPerMinute: entry.budgets?.wordsPerMinute ?? 175,
      timeZone: config.DESK_TIME_ZONE,
      maxHours: config.ANNOUNCEMENT_MAX_HOURS,
      now: Date.now(),
    }),
  };
  const app = deskApp({
    ...(announcements && { announcements }),
    desk,
    ...(options.callbacks === undefined ? {} : { callbacks: options.callbacks }),
    hub,
    signIns,
    ...(oidc !== undefined && { oidc }),
    passwords: users.length > 0,
    flows,
    logger,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    timeZone: config.DESK_TIME_ZONE,
    signInTtlSeconds: config.DESK_SIGN_IN_TTL_SECONDS,
    refused: () => metrics.signInBusy(),
    locked: (by) => metrics.signInLocked(by),
    summaryTtlSeconds: config.SUMMARY_TTL_SECONDS,
    ...(config.DESK_TRUST_PROXY === undefined ? {} : { trustProxy: config.DESK_TRUST_PROXY }),
    insights: {
      ...(options.insights && { insights: options.insights }),
      retentionDays: config.INSIGHTS_RETENTION_DAYS,
      flow: () => flows.entry.flow,
    },
  });
  return { app, observer: desk, hub, settle: () => desk.settle() };
}
