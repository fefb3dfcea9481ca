import express, { type NextFunction, type Request, type Response } from 'express';
import type { Config } from './common/config';
import type { FlowRegistry } from './engine/registry';
import { spokenPhoneNumber } from './common/phone';
import { CallTurns } from './turn/call-turns';
import { Metrics } from './common/metrics';
import { withDeadline } from './common/deadline';
import { Rescue } from './turn/rescue';
import { closedAt } from './common/hours';
import { voiceRoutes } from './http/voice-routes';
import { metricsApp } from './http/metrics-routes';
import { createDesk } from './desk/create-desk';
import type { Logger } from './common/log';
import type { Backend } from './backend/backend';
import type { Callbacks } from './requests/callbacks/callbacks';
import { lastResortTwiml, type RenderOptions } from './telephony/twiml';
import { createRequests } from './requests/create-requests';
import { messageRoutes } from './http/message-routes';
import { AnnouncementBoard } from './announcement/announcement-board';
import { InsightsRecorder } from './insights/insights-recorder';
import { dayOf } from './desk/time';

export interface AppDeps {
  config: Config;
  /** Where everything is kept: Redis or memory (src/backend/connect.ts makes it from the configuration). */
  backend: Backend;
  flows: FlowRegistry;
  logger: Logger;
  /** Turns false when the process is shutting down, so that /readyz sends traffic elsewhere. */
  accepting?: () => boolean;
  /** The clock, for the desk's hours and the callbacks (tests set it). */
  now?: () => Date;
}

/** A line built by buildApp: its app, without listening, and what its owner stops before closing the backend. */
export interface Line {
  /** The public app: webhooks, health, the desk page. */
  app: express.Express;
  /** /metrics, served by main.ts on METRICS_PORT (never on the public port). */
  metrics: express.Express;
  /** The callback queue (the desk's list). */
  callbacks: Callbacks;
  /** This instance's copy of the desk's announcement. */
  announcements: AnnouncementBoard;
  /** This instance's counts of the flow's insights; undefined when INSIGHTS_RETENTION_DAYS=0. */
  insights: InsightsRecorder | undefined;
  /**
   * Stops the callbacks' timer and the message worker (unsent messages stay queued) and writes the desk's last
   * events: after the server stops, before the backend closes. The backend belongs to whoever made it.
   */
  close(): Promise<void>;
}

/** How often each instance writes the insights it counted: one round trip a second, whatever the calls. */
const INSIGHTS_FLUSH_MS = 1000;

/** The line on a backend, without listening: main.ts listens, `npm run call` and the tests drive it directly. */
export function buildApp(deps: AppDeps): Line {
  const { config, backend, flows, logger } = deps;
  const store = backend.calls;
  const entry = flows.entry.flow;
  const render: RenderOptions = {
    baseUrl: config.PUBLIC_BASE_URL,
    voice: { language: entry.language, ...(entry.voice === undefined ? {} : { voice: entry.voice }) },
    bsdNumber: config.BSD_NUMBER,
    gatherTimeoutSeconds: config.GATHER_TIMEOUT_SECONDS,
    stepsTimeoutSeconds: config.STEPS_TIMEOUT_SECONDS,
    dialTimeoutSeconds: config.DIAL_TIMEOUT_SECONDS,
    ...(config.SPEECH_INPUT === 'on' && { speech: { confidenceThreshold: config.SPEECH_CONFIDENCE_THRESHOLD } }),
  };
  const rescue = new Rescue(flows.entry, render, () => closedAt(config.deskHours, deps.now?.() ?? new Date()));
  const metrics = new Metrics();
  // Callbacks and text messages the callers ask for.
  const requests = createRequests({
    config,
    callbacks: backend.callbacks,
    texts: () => backend.texts(),
    flows,
    metrics,
    logger,
    ...(deps.now && { now: deps.now }),
  });
  // The desk's announcement, kept in this instance's memory: a new call reads it without a round trip.
  const board = new AnnouncementBoard(backend.announcements, {
    onProblem: (error) => logger.warn({ error: error.message }, 'announcement: the store does not answer; the last one read stays'),
  });
  void board.start();
  // The flow's insights, counted by each turn in this instance's memory and written once a second.
  const insights =
    config.INSIGHTS_RETENTION_DAYS === 0
      ? undefined
      : new InsightsRecorder({
          store: backend.insights,
          retentionDays: config.INSIGHTS_RETENTION_DAYS,
          today: () => dayOf(deps.now?.() ?? new Date(), config.DESK_TIME_ZONE),
          flushMs: INSIGHTS_FLUSH_MS,
          onFailure: (error) => metrics.storeFailed('insights', error),
          onProblem: (error) => logger.warn({ error: error.message }, 'insights: a problem with the counts'),
        }).start();
  // The desk page, when DESK_USERS names accounts or an identity provider signs agents in (DESK_OIDC_ISSUER);
  // otherwise nothing of it exists and /desk is a 404.
  const desk =
    (config.DESK_USERS === undefined || config.DESK_USERS.length === 0) && config.DESK_OIDC_ISSUER === undefined
      ? undefined
      : createDesk({
          config,
          calls: store,
          store: backend.desk(),
          limiter: backend.limiter,
          knownAddresses: backend.knownAddresses,
          flows,
          logger,
          metrics,
          callbacks: requests.callbacks,
          announcements: { store: backend.announcements, board },
          ...(insights && { insights }),
          ...(deps.accepting && { accepting: deps.accepting }),
        });
  // What callers then asked for (callbacks, texts and how they went) goes on their transfer cards.
  if (desk !== undefined) requests.followUps.listen((followUp) => desk.observer.followUp?.(followUp));
  const turns = new CallTurns({
    store,
    flows,
    rescue,
    render,
    metrics,
    sessionTtlSeconds: config.SESSION_TTL_SECONDS,
    deskSessionTtlSeconds: config.DESK_SESSION_TTL_SECONDS,
    summaryTtlSeconds: config.SUMMARY_TTL_SECONDS,
    storeTimeoutMs: config.STORE_TIMEOUT_MS,
    turnTimeoutMs: config.TURN_TIMEOUT_MS,
    ...(config.deskHours && { hours: config.deskHours }),
    textMessages: requests.messages !== undefined,
    callbackNumbers: (from, to) => requests.callbacks.numbersFor(from, to),
    requests: requests.requests,
    ...(deps.now && { now: deps.now }),
    announcement: () => board.playing(),
    ...(insights && { insights }),
  });

  const app = express();
  app.disable('x-powered-by');
  // Nobody caches TwiML: hashing every answer for an ETag is work for nothing.
  app.set('etag', false);
  app.set('trust proxy', false);

  // First, and without a mount path: express's per-layer matching is a real part of a webhook's cost.
  app.use(
    voiceRoutes({
      turns,
      rescue,
      render,
      metrics,
      guard: {
        authToken: config.TWILIO_AUTH_TOKEN,
        publicBaseUrl: config.PUBLIC_BASE_URL,
        ...(config.TWILIO_ACCOUNT_SID === undefined ? {} : { accountSid: config.TWILIO_ACCOUNT_SID }),
      },
      logger,
      ...(desk && { observer: desk.observer }),
    }),
  );

  // The text messages' status callback, signature-checked like the voice webhooks.
  if (requests.messages !== undefined)
    app.use(
      messageRoutes({
        messages: requests.messages,
        guard: {
          authToken: config.TWILIO_AUTH_TOKEN,
          publicBaseUrl: config.PUBLIC_BASE_URL,
          ...(config.TWILIO_ACCOUNT_SID === undefined ? {} : { accountSid: config.TWILIO_ACCOUNT_SID }),
        },
        logger,
        metrics,
        storeTimeoutMs: config.STORE_TIMEOUT_MS,
      }),
    );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  /**
   * Whether this instance takes calls: not shutting down, and the call store takes a write in time. Only the call
   * store counts. The desk's live connection (its subscription, the desk events it keeps until Redis takes them) does
   * not: a desk-only fault must not take calls away from an instance; the page says it is not live. /readyz answers
   * with it, and /metrics shows it (portal_line_ready).
   */
  const readiness = async (): Promise<{ ready: true } | { ready: false; status: string; reason?: string }> => {
    if (deps.accepting && !deps.accepting()) return { ready: false, status: 'shutting down' };
    try {
      await withDeadline(store.ping(), config.STORE_TIMEOUT_MS, 'store ping');
      return { ready: true };
    } catch (error) {
      metrics.storeFailed('ping', error);
      return { ready: false, status: 'store unavailable', reason: (error as Error).message };
    }
  };
  metrics.watchReadiness(async () => (await readiness()).ready);
  app.get('/readyz', async (_req, res) => {
    const answer = await readiness();
    if (answer.ready) res.json({ status: 'ready' });
    else res.status(503).json({ status: answer.status, ...(answer.reason !== undefined && { reason: answer.reason }) });
  });

  if (desk !== undefined) app.use('/desk', desk.app);

  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found');
  });

  // Anything else a request gets wrong (an undecodable path, say): a 4xx that says why, never a stack trace.
  app.use((error: Error & { status?: number }, req: Request, res: Response, _next: NextFunction) => {
    const clientError = error.status !== undefined && error.status >= 400 && error.status < 500;
    if (res.headersSent) {
      // The answer is out (a fault after it, in a log line say): nothing more to send.
      logger.error({ route: req.path, error: error.message }, 'fault after the answer');
      return;
    }
    if (!clientError && req.path.startsWith('/voice')) {
      // Not the request's fault: the caller still reaches the desk.
      logger.error({ route: req.path, error: error.message }, 'webhook fault');
      res
        .status(200)
        .type('text/xml')
        .send(lastResortTwiml(config.BSD_NUMBER, spokenPhoneNumber(config.BSD_NUMBER)));
      return;
    }
    const status = clientError ? error.status! : 400;
    logger.warn({ route: req.path, status, reason: 'malformed request' }, 'request refused');
    res.status(status).type('text/plain').send('malformed request');
  });
  return {
    app,
    metrics: metricsApp(metrics, config.METRICS_TOKEN),
    callbacks: requests.callbacks,
    announcements: board,
    insights,
    close: async () => {
      board.stop();
      await insights?.close();
      await requests.close().catch(() => undefined);
      // The desk's last events are written while the backend is still open.
      await desk?.settle();
    },
  };
}
