import { once } from 'node:events';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { buildApp } from './app';
import { loadConfig } from './config';
import { LineError } from './errors';
import { FlowRegistry } from './flows/registry';
import { createLogger } from './log';
import { createStore } from './store/connect';

/** Composition root: configuration, flows, store, app; then listen, and shut down cleanly on SIGTERM/SIGINT. */
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
  const store = createStore(config, logger);
  let accepting = true;
  const app = buildApp({ config, store, flows, logger, accepting: () => accepting });
  const server: Server = app.listen(config.PORT);
  await once(server, 'listening');
  const address = server.address();
  logger.info(
    { port: typeof address === 'object' && address !== null ? address.port : config.PORT, publicBaseUrl: config.PUBLIC_BASE_URL, flows: flows.all().map((f) => `${f.flow.id}@${f.version}`) },
    'portal-line ready',
  );

  const shutdown = (signal: string) => {
    if (!accepting) return;
    accepting = false;
    logger.info({ signal }, 'shutting down: finishing in-flight webhooks');
    // Stop taking connections; requests already received finish first. Idle keep-alive sockets are closed.
    server.close(() => {
      void store.close().finally(() => {
        logger.info('stopped');
        logger.flush(() => process.exit(0));
      });
    });
    server.closeIdleConnections();
    setTimeout(() => {
      logger.error('in-flight webhooks did not finish within 10 s; exiting');
      process.exit(1);
    }, 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
