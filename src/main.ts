import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import { existsSync } from 'node:fs';
import { buildApp } from './app';
import { loadConfig } from './common/config';
import { LineError } from './common/errors';
import { FlowRegistry } from './engine/registry';
import { createLineServer } from './http/server';
import { createLogger, type Logger } from './common/log';
import { createBackend, untilAnswers } from './backend/connect';
import type { Backend } from './backend/backend';

/** Composition root: configuration, flows, backend, app; then listen, and shut down cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  // A .env file in the working directory, if there is one; variables already set in the environment win.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  let flows;
  try {
    config = loadConfig();
    flows = FlowRegistry.fromDir(config.FLOWS_DIR, config.ENTRY_FLOW);
  } catch (error) {
    if (error instanceof LineError) {
      process.stderr.write(`portal-line cannot start: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  if (config.usingLocalAuthToken)
    logger.warn('TWILIO_AUTH_TOKEN is not set: webhooks are checked against the local development token; set it before taking real calls');
  if (config.ALLOW_HTTP === '1' && config.NODE_ENV === 'production' && config.PUBLIC_BASE_URL.startsWith('http:'))
    logger.warn(
      { publicBaseUrl: config.PUBLIC_BASE_URL },
      "ALLOW_HTTP=1: the public URL is plain http in production; the desk's sign-in cookie is not Secure",
    );
  const backend = createBackend(config, logger);
  // Nothing listens yet: a SIGTERM during this wait ends the process at once, with nothing to drain.
  await backendAnswers(backend, STORE_WAIT_MS, logger);
  let accepting = true;
  const line = buildApp({ config, backend, flows, logger, accepting: () => accepting });
  const server = createLineServer(line.app);
  server.keepAliveTimeout = config.HTTP_KEEP_ALIVE_SECONDS * 1000;
  // A request's headers on a kept connection may arrive just before it closes: allow them past its idle time.
  server.headersTimeout = server.keepAliveTimeout + 1000;
  // During the drain every answer asks the client to close its connection: its next request goes on a new one,
  // to an instance that is staying, never on a connection that the end of the drain closes under it.
  server.prependListener('request', (_req, res) => {
    if (!accepting) res.setHeader('Connection', 'close');
  });
  try {
    await once(server.listen(config.PORT), 'listening');
  } catch (error) {
    process.stderr.write(`portal-line cannot start: ${cannotListen(error as NodeJS.ErrnoException, config.PORT)}\n`);
    await backend.close();
    logger.flush(() => process.exit(1));
    return;
  }
  const metricsServer = await listenForMetrics(line.metrics, config.METRICS_PORT, logger);
  const metricsAddress = metricsServer?.address();
  const address = server.address();
  logger.info(
    {
      port: typeof address === 'object' && address !== null ? address.port : config.PORT,
      metricsPort: typeof metricsAddress === 'object' && metricsAddress !== null ? metricsAddress.port : null,
      publicBaseUrl: config.PUBLIC_BASE_URL,
      flows: flows.all().map((f) => `${f.flow.id}@${f.version}`),
    },
    'portal-line ready',
  );
  // The classifiers of spoken answers are trained from now, in the background: start-up does not wait for them.
  flows.warmUp();

  /**
   * SIGTERM: /readyz turns 503 at once, so the load balancer stops sending calls here; webhooks keep being
   * answered for SHUTDOWN_DRAIN_SECONDS while it notices; then the server stops taking connections, finishes the
   * requests it has, and the process exits. SIGINT (Ctrl-C) skips the drain.
   */
  const shutdown = (signal: string) => {
    if (!accepting) return;
    accepting = false;
    const drainMs = signal === 'SIGTERM' ? config.SHUTDOWN_DRAIN_SECONDS * 1000 : 0;
    logger.info({ signal, drainSeconds: drainMs / 1000 }, 'shutting down: readiness is 503, finishing in-flight webhooks');
    // Connections idle now are closed at once (their clients open new ones for their next request); busy ones
    // close after their answer, which says Connection: close.
    server.closeIdleConnections();
    setTimeout(() => {
      // A connection is closed as soon as it is idle: one still answering a webhook when the server closes would
      // otherwise stay open, kept alive, for HTTP_KEEP_ALIVE_SECONDS after its answer.
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      server.close(() => {
        clearInterval(sweep);
        // The message worker stops taking jobs (a job it is sending finishes); what is unsent stays queued; the
        // desk's last events are written while the backend is still open.
        void line
          .close()
          .then(() => backend.close())
          .finally(() => {
            logger.info('stopped');
            logger.flush(() => process.exit(0));
          });
      });
      server.closeIdleConnections();
    }, drainMs);
    setTimeout(() => {
      logger.error('in-flight webhooks did not finish within 10 s of the drain; exiting');
      logger.flush(() => process.exit(1));
    }, drainMs + 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** Why the server could not listen on `port`, in one line that says what to do. */
function cannotListen(error: NodeJS.ErrnoException, port: number): string {
  if (error.code === 'EADDRINUSE') return `port ${port} is already in use (set PORT to another port)`;
  if (error.code === 'EACCES') return `port ${port} needs privileges this process does not have (set PORT to a port above 1023)`;
  return `port ${port} cannot be listened on: ${error.message}`;
}

/**
 * /metrics on its own port. A port that cannot be listened on is logged as an error and the line runs on without
 * it: calls matter more than their counts (Prometheus shows the target down).
 */
async function listenForMetrics(app: Express, port: number, logger: Logger): Promise<Server | undefined> {
  const server = createServer(app);
  try {
    await once(server.listen(port), 'listening');
    return server;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const why =
      e.code === 'EADDRINUSE' ? 'is already in use' : e.code === 'EACCES' ? 'needs privileges this process does not have' : e.message;
    logger.error(
      { metricsPort: port },
      `metrics cannot be served: port ${port} ${why}; set METRICS_PORT to another port. The line runs without /metrics`,
    );
    return undefined;
  }
}

/** How long start-up waits for the backend to answer before listening anyway. */
const STORE_WAIT_MS = 5_000;

/**
 * Waits until the backend answers, for at most `ms`: webhooks that arrive before the Redis connection is up would
 * all be transferred to the desk. After `ms` the line listens anyway; /readyz says 503 until the backend answers,
 * and every caller is still answered (transferred to the desk) meanwhile.
 */
async function backendAnswers(backend: Backend, ms: number, logger: Logger): Promise<void> {
  const problem = await untilAnswers(backend, ms);
  if (problem !== undefined) logger.warn({ error: problem.message, waitedMs: ms }, 'the store does not answer yet: listening anyway');
}

void main();
