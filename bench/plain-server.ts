import http from 'node:http';
import express from 'express';
import { createLineServer } from '../src/http/server';

/**
 * The ceiling: the same stack (Node, express, its form body parser) answering every webhook with one fixed TwiML
 * document, doing none of the line's work, written as express is usually written (express.urlencoded, res.send).
 * The benchmark reports the line's throughput as a share of this. With LINE_SERVER=1 it is served as the line is
 * (createLineServer: requests built on express's own prototypes), for a like-for-like comparison.
 */
const port = Number(process.env.PORT ?? 0);
const action = `http://127.0.0.1:${port}/voice/input?t=1`;
const twiml =
  '<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" numDigits="1" finishOnKey="" timeout="7" ' +
  `action="${action}" method="POST" actionOnEmptyResult="true"><Say language="en-US" voice="Polly.Joanna">` +
  'Which problem are you having with logging in to the Customer Portal? For your username, press 1. For your ' +
  'password, press 2. To speak with the Business Support Desk, press 0.</Say></Gather>' +
  `<Redirect method="POST">${action}</Redirect></Response>`;

const app = express();
// Set as the line sets them, so that neither side pays for what the other skips.
app.disable('x-powered-by');
app.set('etag', false);
app.use(express.urlencoded({ extended: false, limit: '16kb' }));
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post(/.*/, (_req, res) => {
  res.type('text/xml').send(twiml);
});
(process.env.LINE_SERVER === '1' ? createLineServer(app) : http.createServer(app)).listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
