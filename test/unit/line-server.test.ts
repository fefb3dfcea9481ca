import type { AddressInfo } from 'node:net';
import express from 'express';
import { createLineServer } from '../../src/http/server';

describe('the line HTTP server', () => {
  test('makes requests and responses with the express app’s own prototypes, and express still handles them', async () => {
    const app = express();
    app.get('/echo', (req, res) => {
      res.json({ path: req.path, query: req.query, ip: typeof req.ip });
    });
    const server = createLineServer(app);
    const seen: boolean[] = [];
    // Before express takes the request: its prototypes are express's already, so its own setPrototypeOf is a no-op.
    server.prependListener('request', (req, res) => {
      seen.push(Object.getPrototypeOf(req) === app.request, Object.getPrototypeOf(res) === app.response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/echo?a=1`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ path: '/echo', query: { a: '1' }, ip: 'string' });
      expect(seen).toEqual([true, true]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
