import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { Express } from 'express';
import pino from 'pino';
import { buildApp, type Line } from '../../src/app';
import { createLineServer } from '../../src/http/server';
import { loadConfig } from '../../src/common/config';
import { FlowRegistry } from '../../src/engine/registry';
import { createLogger, type Logger } from '../../src/common/log';
import type { Backend } from '../../src/backend/backend';
import { memoryBackend } from '../../src/backend/memory';
import { redisBackend } from '../../src/backend/redis';
import { createBackend } from '../../src/backend/connect';
import type { SessionStore } from '../../src/store/session-store';
import { signWebhook } from '../../src/telephony/signature';
import { placeCall, scripted, parseSteps, simulatedCallSid, type CallResult, type Transport } from '../../src/simulator/caller';
import { AUTH_TOKEN } from './processes';

export { AUTH_TOKEN };
export const BASE_URL = 'https://line.example.test';

/** A backend exactly as main.ts builds it from the environment (command timeout, no offline queue, bounded retries). */
export function productionBackend(env: Record<string, string>): Backend {
  return createBackend(loadConfig({ TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_BASE_URL: BASE_URL, ...env }), createLogger('silent'));
}

/** The URL of the private redis-server that the test run started. */
export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (url === undefined) throw new Error('TEST_REDIS_URL is not set: run the tests with jest, whose global setup starts redis-server');
  return url;
}

/** The shared test Redis with a random prefix, memory, or a backend the test built (with productionBackend). */
export type StoreKind = 'redis' | 'memory' | { backend: Backend };

export interface TestLine {
  app: Express;
  /** The line itself: its callbacks, its close. */
  line: Line;
  backend: Backend;
  /** What /metrics answers, read as Prometheus does: on the metrics app (METRICS_PORT), not the public one. */
  metrics(): Promise<string>;
  store: SessionStore;
  logs: string[];
  redis?: Redis;
  prefix: string;
  /** Places a scripted call ("1,2,_,answer") and returns its transcript. */
  call(keys: string, callSid?: string): Promise<CallResult>;
  /** Posts a signed webhook; `path` may carry a query. */
  post(path: string, params: Record<string, string>, options?: { signature?: string | null }): request.Test;
  close(): Promise<void>;
}

/** Captures log lines so tests can check what reaches the logs. */
function capturingLogger(level: string): { logger: Logger; logs: string[] } {
  const logs: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void logs.push(line) } as pino.DestinationStream);
  return { logger, logs };
}

/**
 * A line on a fresh store of `kind`; or, with `shared`, another instance on the store of an existing line, as a
 * second server process behind the same number would be.
 */
export async function startLine(
  kind: StoreKind,
  env: Record<string, string> = {},
  shared?: TestLine,
  options: { now?: () => Date } = {},
): Promise<TestLine> {
  const config = loadConfig({ TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_BASE_URL: BASE_URL, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env });
  const flows = FlowRegistry.fromDir(config.FLOWS_DIR, config.ENTRY_FLOW);
  const prefix = shared?.prefix ?? `test-${randomBytes(6).toString('hex')}`;
  let redis: Redis | undefined;
  let backend: Backend;
  if (shared !== undefined) {
    backend = shared.backend;
  } else if (typeof kind === 'object') {
    backend = kind.backend;
  } else if (kind === 'redis') {
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
    backend = redisBackend({ client: redis, prefix, secret: AUTH_TOKEN });
  } else {
    backend = memoryBackend();
  }
  const store = backend.calls;
  const { logger, logs } = capturingLogger(config.LOG_LEVEL);
  const line = buildApp({ config, backend, flows, logger, ...(options.now && { now: options.now }) });
  const app = line.app;
  // Calls and posted webhooks go through the HTTP server main.ts runs, as Twilio's would.
  const server = createLineServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // A test that leaves a second instance unclosed must not keep the test run from ending.
  server.unref();
  const transport: Transport = async ({ url, headers, body }) => {
    const res = await request(server).post(url.replace(BASE_URL, '')).set(headers).send(body);
    return { status: res.status, body: res.text };
  };
  return {
    app,
    line,
    backend,
    metrics: async () => (await request(line.metrics).get('/metrics').expect(200)).text,
    store,
    logs,
    ...(redis === undefined ? {} : { redis }),
    prefix,
    call: (keys, callSid) =>
      placeCall({
        baseUrl: BASE_URL,
        authToken: AUTH_TOKEN,
        transport,
        next: scripted(parseSteps(keys)),
        callSid: callSid ?? simulatedCallSid(),
        fallbackUrl: `${BASE_URL}/voice/fallback`,
      }),
    post: (path, params, options = {}) => {
      const { signature, body } = signWebhook(AUTH_TOKEN, BASE_URL + path, params);
      const req = request(server).post(path).type('form');
      if (options.signature !== null) req.set('X-Twilio-Signature', options.signature ?? signature);
      return req.send(body);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      // The desk's last events, written before its keys are cleared and its backend closed.
      await line.close();
      if (shared !== undefined || typeof kind === 'object') return; // the backend belongs to whoever made it
      if (redis !== undefined) {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
      }
      await backend.close();
    },
  };
}

/** Spoken text of a transcript, for assertions. */
export function heard(result: CallResult, who = 'line'): string {
  return result.transcript
    .filter((l) => l.who === who)
    .map((l) => l.text)
    .join('\n');
}
