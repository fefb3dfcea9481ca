import { createHash, timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { Metrics } from '../common/metrics';

/** Whether an Authorization header carries `Bearer <token>`, compared in constant time. */
function bears(header: string | undefined, token: string): boolean {
  const given = /^Bearer (\S{1,1024})$/i.exec(header ?? '')?.[1];
  if (given === undefined) return false;
  // Hashed first, so that both sides have the same length whatever was sent.
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(token).digest());
}

/**
 * /metrics, as an app of its own: main.ts serves it on METRICS_PORT, never on the public port that Twilio and the
 * agents reach. With METRICS_TOKEN, only a request bearing it is answered (Prometheus: `authorization.credentials`).
 */
export function metricsApp(metrics: Metrics, token?: string): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/metrics', async (req, res) => {
    if (token !== undefined && !bears(req.headers.authorization, token)) {
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer realm="metrics"')
        .type('text/plain')
        .send('a bearer token is required (METRICS_TOKEN)');
      return;
    }
    res.set('Content-Type', metrics.contentType).send(await metrics.render());
  });
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found: metrics are at /metrics');
  });
  return app;
}
