import http, { type Server } from 'node:http';
import type { Express } from 'express';

/**
 * The HTTP server for the express app, making each request and response on express's own prototypes from the start
 * (Node's `IncomingMessage` and `ServerResponse` options), so that express's own `Object.setPrototypeOf` on each
 * request and response, as it takes them, changes nothing. Changing the prototype of an object after it is built is
 * costly in V8: each request takes more CPU, and its young objects survive their first collections, fill the old
 * generation and bring full collections. Express itself still handles every request.
 *
 * Each class extends Node's own and sits in front of express's prototype: the class's prototype is given express's
 * as its own prototype once, at start-up, and then stands as the app's (`app.request`, `app.response`), so that what
 * express sets each request to is what the request was built with.
 */
// Kept over http.createServer(app): 384 against 455 µs of server CPU a webhook, 0.554 against 0.404 of plain express (docs/performance.md).
export function createLineServer(app: Express): Server {
  class LineRequest extends http.IncomingMessage {}
  class LineResponse extends http.ServerResponse {}
  Object.setPrototypeOf(LineRequest.prototype, app.request);
  Object.setPrototypeOf(LineResponse.prototype, app.response);
  Object.assign(app, { request: LineRequest.prototype, response: LineResponse.prototype });
  return http.createServer({ IncomingMessage: LineRequest, ServerResponse: LineResponse }, app);
}
