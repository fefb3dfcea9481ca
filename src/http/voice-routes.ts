import type { Request, RequestHandler, Response } from 'express';
import { dialEvent, keyEvent } from '../telephony/events';
import { spokenPhoneNumber } from '../flows/text';
import { maskPhone, type Logger } from '../common/log';
import { callParams, dialParams, inputParams, rescueQuery, statusParams, turnQuery, whisperQuery } from '../telephony/params';
import { lastResortTwiml, whisperTwiml, type RenderOptions } from '../telephony/twiml';
import type { CallTurns } from '../turn/call-turns';
import type { Metrics } from '../common/metrics';
import type { Rescue } from '../turn/rescue';
import { BadRequest, parseOr400, webhookGuard, type GuardOptions } from './webhook';

export interface VoiceDeps {
  turns: CallTurns;
  rescue: Rescue;
  render: RenderOptions;
  guard: GuardOptions;
  logger: Logger;
  metrics: Metrics;
}

/** What a handler answers with, and what its log line says. */
interface Answer {
  twiml?: string;
  status?: number;
  callSid?: string;
  node?: string;
  event?: string;
  outcome: string;
  extra?: Record<string, unknown>;
}

const XML = 'text/xml; charset=utf-8';
const TERMINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

type Handler = (req: Request) => Promise<Answer>;

/**
 * The /voice webhooks. Each answers with TwiML; a fault anywhere still answers with a transfer to the desk.
 * One dispatcher looks the path up in a map: express matches route layers one by one, which cost more per
 * webhook than the call's own step.
 */
export function voiceRoutes(deps: VoiceDeps): RequestHandler {
  const handlers = new Map<string, (req: Request, res: Response) => Promise<void>>();
  const guard = webhookGuard(deps.guard, deps.logger);
  const dispatch: RequestHandler = (req, res, next) => {
    if (!req.path.startsWith('/voice')) {
      next();
      return;
    }
    guard(req, res, (error?: unknown) => {
      if (error !== undefined) {
        next(error);
        return;
      }
      const handler = req.method === 'POST' ? handlers.get(req.path) : undefined;
      if (handler === undefined) next();
      else handler(req, res).catch(next);
    });
  };

  const turn = (route: string, handle: Handler) =>
    handlers.set(`/voice${route === '/' ? '' : route}`, async (req: Request, res: Response) => {
      const started = process.hrtime.bigint();
      const body = (req.body ?? {}) as Record<string, unknown>;
      let answer: Answer;
      try {
        answer = await handle(req);
      } catch (error) {
        const callSid = typeof body.CallSid === 'string' ? body.CallSid.slice(0, 40) : undefined;
        if (error instanceof BadRequest) {
          res.status(error.status).type('text/plain').send(error.message);
          deps.logger.warn(
            { route: req.originalUrl.split('?')[0], callSid, status: error.status, reason: error.message },
            'webhook refused',
          );
          return;
        }
        // A call starting when the line cannot answer hears a greeting and why, not "I lost track".
        const opening = route === '/' ? 'technicalProblem' : 'stateLost';
        answer = {
          twiml: rescueOrLastResort(callSid, opening),
          callSid,
          outcome: 'fault-rescued',
          extra: { error: (error as Error).message },
        };
      }
      const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
      // The answer first: nothing after it (metrics, the log line) can keep the caller waiting.
      // Node's own writeHead and end: express's send would look the type up, parse it back and re-encode the body.
      if (answer.twiml === undefined) res.writeHead(answer.status ?? 204).end();
      else res.writeHead(200, ['Content-Type', XML, 'Content-Length', String(Buffer.byteLength(answer.twiml))]).end(answer.twiml);
      deps.metrics.count('portal_line_webhooks_total', { route, outcome: answer.outcome });
      deps.metrics.observeLatency(latencyMs);
      const level = answer.outcome.includes('rescued') || answer.outcome === 'state-lost' ? 'warn' : 'info';
      deps.logger[level](
        {
          route: req.originalUrl.split('?')[0],
          callSid: answer.callSid,
          node: answer.node,
          event: answer.event,
          outcome: answer.outcome,
          from: maskPhone(typeof body.From === 'string' ? body.From : undefined),
          latencyMs: Math.round(latencyMs * 100) / 100,
          ...answer.extra,
        },
        'webhook turn',
      );
    });

  const rescueOrLastResort = (callSid: string | undefined, opening: 'technicalProblem' | 'stateLost'): string => {
    try {
      return deps.rescue.transfer(callSid ?? 'unknown', null, opening);
    } catch {
      return lastResortTwiml(deps.render.bsdNumber, spokenPhoneNumber(deps.render.bsdNumber));
    }
  };

  turn('/', async (req) => {
    const { CallSid } = parseOr400(callParams, req.body, 'call parameters');
    const result = await deps.turns.handle(CallSid, null, null);
    return { ...result, callSid: CallSid, event: 'call' };
  });

  turn('/input', async (req) => {
    const { CallSid, Digits } = parseOr400(inputParams, req.body, 'input parameters');
    const { t } = parseOr400(turnQuery, req.query, 'query');
    const event = keyEvent(Digits);
    const result = await deps.turns.handle(CallSid, event, t);
    return { ...result, callSid: CallSid, event: event.type === 'KEY' ? `key ${event.key.slice(0, 8)}` : 'silence' };
  });

  turn('/dial', async (req) => {
    const { CallSid, DialCallStatus } = parseOr400(dialParams, req.body, 'dial parameters');
    const { t } = parseOr400(turnQuery, req.query, 'query');
    const result = await deps.turns.handle(CallSid, dialEvent(DialCallStatus), t);
    return { ...result, callSid: CallSid, event: `dial ${DialCallStatus}` };
  });

  turn('/whisper', async (req) => {
    const { CallSid } = parseOr400(callParams, req.body, 'call parameters');
    const { w } = parseOr400(whisperQuery, req.query, 'query');
    return { twiml: whisperTwiml(w, deps.render), callSid: CallSid, event: 'agent answered', outcome: 'whispered' };
  });

  turn('/fallback', async (req) => {
    const { CallSid } = parseOr400(callParams, req.body, 'call parameters');
    const body = req.body as Record<string, unknown>;
    return {
      twiml: deps.rescue.transfer(CallSid, null, 'technicalProblem'),
      callSid: CallSid,
      event: 'fallback',
      outcome: 'fallback-rescued',
      extra: { errorCode: body.ErrorCode, errorUrl: typeof body.ErrorUrl === 'string' ? body.ErrorUrl.split('?')[0] : undefined },
    };
  });

  turn('/rescue/dial', async (req) => {
    const { CallSid, DialCallStatus } = parseOr400(dialParams, req.body, 'dial parameters');
    return { twiml: deps.rescue.dialed(CallSid, DialCallStatus), callSid: CallSid, event: `dial ${DialCallStatus}`, outcome: 'rescue' };
  });

  turn('/rescue/choice', async (req) => {
    const { CallSid, Digits } = parseOr400(inputParams, req.body, 'input parameters');
    const { n } = parseOr400(rescueQuery, req.query, 'query');
    return { twiml: deps.rescue.choice(CallSid, Digits, n), callSid: CallSid, event: `key ${Digits ?? ''}`, outcome: 'rescue' };
  });

  turn('/status', async (req) => {
    const { CallSid, CallStatus, CallDuration } = parseOr400(statusParams, req.body, 'status parameters');
    if (!TERMINAL.has(CallStatus)) return { callSid: CallSid, event: `status ${CallStatus}`, outcome: 'ignored' };
    try {
      const { outcome, summary } = await deps.turns.end(CallSid, CallStatus, CallDuration ?? null);
      return { callSid: CallSid, node: summary?.lastNode, event: `status ${CallStatus}`, outcome };
    } catch (error) {
      // The caller is gone; the session's own time to live removes it later.
      return { callSid: CallSid, event: `status ${CallStatus}`, outcome: 'end-failed', extra: { error: (error as Error).message } };
    }
  });

  return dispatch;
}
