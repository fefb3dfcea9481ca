import express, { type Request, type Response } from 'express';
import { dialEvent, keyEvent } from '../engine/events';
import { spokenPhoneNumber } from '../flows/text';
import { referenceFor } from '../engine/step';
import { maskPhone, type Logger } from '../log';
import type { SessionStore } from '../store/session-store';
import {
  callParams,
  dialParams,
  inputParams,
  rescueQuery,
  statusParams,
  turnQuery,
  whisperQuery,
} from '../telephony/params';
import { lastResortTwiml, whisperTwiml, type RenderOptions } from '../telephony/twiml';
import type { CallTurns } from './call-turns';
import { withDeadline } from './deadline';
import type { Rescue } from './rescue';
import { BadRequest, parseOr400, webhookGuard, type GuardOptions } from './webhook';

export interface VoiceDeps {
  turns: CallTurns;
  rescue: Rescue;
  store: SessionStore;
  render: RenderOptions;
  guard: GuardOptions;
  logger: Logger;
  summaryTtlSeconds: number;
  storeTimeoutMs: number;
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

const TERMINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

/** The /voice webhooks. Each answers with TwiML; a fault anywhere still answers with a transfer to the desk. */
export function voiceRoutes(deps: VoiceDeps): express.Router {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 100 }));
  router.use(webhookGuard(deps.guard, deps.logger));

  const turn = (route: string, handle: (req: Request) => Promise<Answer>) =>
    router.post(route, async (req: Request, res: Response) => {
      const started = process.hrtime.bigint();
      const body = (req.body ?? {}) as Record<string, unknown>;
      let answer: Answer;
      try {
        answer = await handle(req);
      } catch (error) {
        const callSid = typeof body.CallSid === 'string' ? body.CallSid.slice(0, 40) : undefined;
        if (error instanceof BadRequest) {
          res.status(error.status).type('text/plain').send(error.message);
          deps.logger.warn({ route: req.originalUrl.split('?')[0], callSid, status: error.status, reason: error.message }, 'webhook refused');
          return;
        }
        // A call starting when the line cannot answer hears a greeting and why, not "I lost track".
        const opening = route === '/' ? 'technicalProblem' : 'stateLost';
        answer = { twiml: rescueOrLastResort(callSid, opening), callSid, outcome: 'fault-rescued', extra: { error: (error as Error).message } };
      }
      const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
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
      if (answer.twiml === undefined) res.status(answer.status ?? 204).end();
      else res.status(200).type('text/xml').send(answer.twiml);
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
      const stored = await withDeadline(deps.store.load(CallSid), deps.storeTimeoutMs, 'loading the call');
      const summary =
        stored === null
          ? null
          : {
              reference: referenceFor(CallSid),
              flowId: stored.record.flowId,
              flowVersion: stored.record.flowVersion,
              lastNode: stored.record.call.value,
              history: stored.record.call.context.history,
              callStatus: CallStatus,
              durationSeconds: CallDuration ?? null,
              endedAt: new Date().toISOString(),
            };
      await withDeadline(deps.store.end(CallSid, summary, deps.summaryTtlSeconds), deps.storeTimeoutMs, 'ending the call');
      return { callSid: CallSid, node: summary?.lastNode, event: `status ${CallStatus}`, outcome: summary === null ? 'ended-unknown' : 'ended' };
    } catch (error) {
      // The caller is gone; the session's own time to live removes it later.
      return { callSid: CallSid, event: `status ${CallStatus}`, outcome: 'end-failed', extra: { error: (error as Error).message } };
    }
  });

  return router;
}
