import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { maskedNumber } from '../common/phone';
import type { TranscriptLine } from './caller';

/**
 * A local stand-in for Twilio's Messages API, for trying text messages without a Twilio account: point the line's
 * TWILIO_API_URL at it and each message the line sends is handed to `onMessage` (`npm run call -- --texts` prints
 * them) and answered as Twilio answers an accepted one (201, status "queued"). It takes the form the twilio client
 * posts to /2010-04-01/Accounts/{AccountSid}/Messages.json; anything else gets Twilio's error shape, 404 or 400.
 * It checks no credentials: it listens on 127.0.0.1 only and sends nothing anywhere.
 */

/** The fields of the Messages API's form that the line sends. */
const messageForm = z
  .object({
    To: z.string().min(1),
    Body: z.string().min(1),
    From: z.string().min(1).optional(),
    MessagingServiceSid: z.string().min(1).optional(),
  })
  .refine((m) => m.From !== undefined || m.MessagingServiceSid !== undefined, { message: 'From or MessagingServiceSid is required' });
export type StandInMessage = z.infer<typeof messageForm>;

/** A text message as a transcript shows it: the number masked, as the line's logs have it. */
export function textLine(message: StandInMessage): TranscriptLine {
  return { who: 'text', text: `to ${maskedNumber(message.To)}: ${message.Body}` };
}

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Messages\.json$/;
/** Twilio's messages are a few hundred bytes; the stand-in reads no more than this. */
const MAX_BODY = 64 * 1024;

export interface MessagesStandIn {
  /** The base URL to give as TWILIO_API_URL. */
  url: string;
  /** Resolves once no request is being answered. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

function errorReply(status: number, code: number, message: string): string {
  return JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

/** Starts the stand-in on 127.0.0.1 at `port` (0: any free port). */
export async function startMessagesStandIn(onMessage: (message: StandInMessage) => void, port = 0): Promise<MessagesStandIn> {
  let inFlight = 0;
  let count = 0;
  let waiters: (() => void)[] = [];
  const done = () => {
    inFlight--;
    if (inFlight === 0) for (const w of waiters.splice(0)) w();
  };
  const server: Server = createServer((req, res) => {
    inFlight++;
    res.on('close', done);
    const account = MESSAGES_PATH.exec((req.url ?? '').split('?')[0]!)?.[1];
    if (req.method !== 'POST' || account === undefined) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(errorReply(404, 20404, 'The requested resource was not found'));
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) req.destroy();
    });
    req.on('end', () => {
      const parsed = messageForm.safeParse(Object.fromEntries(new URLSearchParams(body)));
      if (!parsed.success) {
        res.writeHead(400, { 'Content-Type': 'application/json' }).end(errorReply(400, 21602, parsed.error.issues[0]!.message));
        return;
      }
      count++;
      const sid = `SM${count.toString(16).padStart(32, '0')}`;
      onMessage(parsed.data);
      res.writeHead(201, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          sid,
          account_sid: account,
          to: parsed.data.To,
          from: parsed.data.From ?? null,
          messaging_service_sid: parsed.data.MessagingServiceSid ?? null,
          body: parsed.data.Body,
          status: 'queued',
          num_segments: '1',
          uri: `/2010-04-01/Accounts/${account}/Messages/${sid}.json`,
        }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    close: async () => {
      waiters.forEach((w) => w());
      waiters = [];
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
