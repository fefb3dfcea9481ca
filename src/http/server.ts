import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

/**
 * The HTTP server for the express app, making each request and response with express's own prototypes
 * (`app.request`, `app.response`) from the start, through Node's `IncomingMessage` and `ServerResponse` options.
 *
 * Express gives every request those prototypes as it takes it (`Object.setPrototypeOf` on the request and on the
 * response); on objects that have them already, that is a no-op. Changing the prototype of an object after it is
 * built is costly in V8: each request takes more CPU, and its young objects survive their first collections, fill
 * the old generation and bring full collections. Express itself still handles every request.
 */
// Kept over plain http.createServer(app): 173-188 against 260-285 µs of CPU per webhook (docs/performance.md).
export function createLineServer(app: Express): Server {
  // Constructors in Node's own style (a function with a prototype), because the prototype must be express's object
  // itself: a class would put one of its own in between, and express would set the prototype again.
  const Request = function (this: IncomingMessage, socket: Socket) {
    http.IncomingMessage.call(this, socket);
  } as unknown as typeof IncomingMessage;
  Request.prototype = app.request;
  const Response = function (this: ServerResponse, req: IncomingMessage, options?: unknown) {
    (http.ServerResponse as unknown as (this: ServerResponse, req: IncomingMessage, options?: unknown) => void).call(this, req, options);
  } as unknown as typeof ServerResponse;
  Response.prototype = app.response;
  return http.createServer({ IncomingMessage: Request, ServerResponse: Response }, app);
}
