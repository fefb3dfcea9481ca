import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { createLineServer } from '../../src/http/server';

/** An app of the kinds of route the line has: a query, a form body, a JSON answer, a header, a thrown fault, a 404. */
function sampleApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/echo', (req, res) => {
    res.json({ path: req.path, query: req.query, ip: typeof req.ip, host: req.hostname, xhr: req.xhr });
  });
  app.post('/form', express.urlencoded({ extended: false }), (req, res) => {
    res
      .set('X-Seen', String(req.get('content-type')))
      .type('text/xml')
      .send(`<Response>${JSON.stringify(req.body)}</Response>`);
  });
  app.get('/fault', () => {
    throw new Error('on purpose');
  });
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found');
  });
  app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).type('text/plain').send(`fault: ${error.message}`);
  });
  return app;
}

async function listening(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** What a client sees of an answer, without what changes from one answer to the next. */
async function seen(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  const headers = Object.fromEntries([...res.headers].filter(([name]) => !['date', 'keep-alive', 'connection'].includes(name)));
  return { status: res.status, headers, body: await res.text() };
}

describe('the line HTTP server', () => {
  test('makes requests and responses on the express app’s own prototypes, so that express changes none as it takes them', async () => {
    const app = sampleApp();
    const server = createLineServer(app);
    const prototypes: boolean[] = [];
    // Before express takes the request: its prototypes are the app's already, so express's own setPrototypeOf is a no-op.
    server.prependListener('request', (req, res) => {
      prototypes.push(Object.getPrototypeOf(req) === app.request, Object.getPrototypeOf(res) === app.response);
    });
    const base = await listening(server);
    try {
      expect((await seen(`${base}/echo?a=1`)).status).toBe(200);
      expect(prototypes).toEqual([true, true]);
    } finally {
      await close(server);
    }
  });

  test('answers every request as http.createServer(app) does', async () => {
    const line = createLineServer(sampleApp());
    const plain = http.createServer(sampleApp());
    const [lineBase, plainBase] = await Promise.all([listening(line), listening(plain)]);
    try {
      const requests: [string, RequestInit?][] = [
        ['/echo?a=1&b=two', { headers: { 'X-Requested-With': 'XMLHttpRequest' } }],
        ['/form', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'CallSid=CA1&Digits=2' }],
        ['/fault'],
        ['/nowhere'],
        ['/echo', { method: 'HEAD' }],
      ];
      for (const [path, init] of requests) expect(await seen(`${lineBase}${path}`, init)).toEqual(await seen(`${plainBase}${path}`, init));
    } finally {
      await Promise.all([close(line), close(plain)]);
    }
  });
});
