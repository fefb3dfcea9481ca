import express, { type Request, type Router } from 'express';
import { dialEvent, inputEvent } from '../telephony/events';
import type { CallEvent } from '../engine/call-machine';
import type { Heard } from '../engine/understanding/speech';
import { maskedNumber, spokenPhoneNumber } from '../common/phone';
import type { Logger } from '../common/log';
import {
  callParams,
  dialParams,
  inputParams,
  announcedQuery,
  rescueDialQuery,
  rescueQuery,
  statusParams,
  turnQuery,
  whisperQuery,
  type DialStatus,
} from '../telephony/params';
import { lastResortTwiml, whisperTwiml, type RenderOptions } from '../telephony/twiml';
import { rescueTransfer, type CallObserver, type CallEnd, type TransferFacts } from '../turn/call-observer';
import type { CallTurns } from '../turn/call-turns';
import type { Metrics } from '../common/metrics';
import type { Rescue } from '../turn/rescue';
import { BadRequest, parseOr400, refuseWebhook, webhookGuard, type GuardOptions } from './webhook';
import { cut, pathOf, RefusalLog } from './refusal-log';

export interface VoiceDeps {
  turns: CallTurns;
  rescue: Rescue;
  render: RenderOptions;
  guard: GuardOptions;
  logger: Logger;
  metrics: Metrics;
  /** Told of transfers, dial outcomes and ends of calls, after each answer (the desk page). */
  observer?: CallObserver;
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
  /** For the observer: a transfer this answer starts, the desk's dial that ended, the call that ended. */
  transfer?: TransferFacts;
  dial?: DialStatus;
  ended?: CallEnd;
}

const XML = 'text/xml; charset=utf-8';
const TERMINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

type Handler = (req: Request) => Promise<Answer>;

/**
 * What a log line says of a caller's answer: for keys, how many, never which (they may be an account number); for
 * speech, the choice it matched, the confidence and what came of it, never the words (they may be a patient's name).
 */
function answerLog(event: CallEvent, heard: Heard | undefined): { event: string; extra?: Record<string, unknown> } {
  if (event.type === 'KEY') return { event: 'key', extra: { keys: event.key.length, input: 'key' } };
  if (event.type !== 'SPEECH') return { event: 'silence' };
  const extra: Record<string, unknown> = { input: 'speech', confidence: event.confidence };
  if (heard !== undefined) {
    extra.option = heard.option;
    extra.match = heard.match;
  }
  return { event: 'speech', extra };
}

/** The /voice webhooks. Each answers with TwiML; a fault anywhere still answers with a transfer to the desk. */
export function voiceRoutes(deps: VoiceDeps): Router {
  const router = express.Router();
  const refusals = new RefusalLog(deps.logger, { counted: (status) => deps.metrics.refused(status) });
  const guard = webhookGuard(deps.guard, deps.logger, refusals);

  /** A webhook at `route`, the URL path Twilio calls; the path is also its metrics label and its log's route. */
  const turn = (route: string, handle: Handler) =>
    router.post(route, guard, async (req, res) => {
      const started = process.hrtime.bigint();
      const body = (req.body ?? {}) as Record<string, unknown>;
      let answer: Answer;
      try {
        answer = await handle(req);
      } catch (error) {
        const callSid = typeof body.CallSid === 'string' ? body.CallSid.slice(0, 40) : undefined;
        if (error instanceof BadRequest) {
          refuseWebhook(req, res, refusals, error.status, error.message);
          return;
        }
        // A call starting when the line cannot answer hears a greeting and why, not "I lost track".
        const opening = route === '/voice' ? 'technicalProblem' : 'stateLost';
        answer = {
          twiml: rescueOrLastResort(callSid, opening),
          callSid,
          outcome: 'fault-rescued',
          extra: { error: (error as Error).message },
          transfer: rescueTransfer(opening, null),
        };
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The answer first: nothing after it (metrics, the log line) can keep the caller waiting.
      if (answer.twiml === undefined) res.status(answer.status ?? 204).end();
      else res.status(200).type(XML).send(answer.twiml);
      deps.metrics.count('portal_line_webhooks_total', { route, outcome: answer.outcome });
      deps.metrics.observeDuration(seconds);
      if (answer.dial !== undefined) deps.metrics.dialed(answer.dial);
      // A call put back after the store lost it is unusual too: an operator should see it.
      const level =
        answer.outcome.includes('rescued') || answer.outcome === 'state-lost' || answer.outcome === 'restored' ? 'warn' : 'info';
      deps.logger[level](
        {
          route,
          callSid: answer.callSid,
          node: answer.node,
          event: answer.event,
          outcome: answer.outcome,
          from: maskedNumber(typeof body.From === 'string' ? body.From : undefined),
          latencyMs: Math.round(seconds * 1e5) / 100,
          ...answer.extra,
        },
        'webhook turn',
      );
      if (deps.observer !== undefined && answer.callSid !== undefined) observe(deps.observer, answer, answer.callSid, body.From);
    });

  const rescueOrLastResort = (callSid: string | undefined, opening: 'technicalProblem' | 'stateLost'): string => {
    try {
      return deps.rescue.transfer(callSid ?? 'unknown', opening);
    } catch {
      return lastResortTwiml(deps.render.bsdNumber, spokenPhoneNumber(deps.render.bsdNumber));
    }
  };

  turn('/voice', async (req) => {
    const { CallSid } = parseOr400(callParams, req.body, 'call parameters');
    const result = await deps.turns.handle(CallSid, null, null);
    return { ...result, callSid: CallSid, event: 'call' };
  });

  turn('/voice/input', async (req) => {
    const params = parseOr400(inputParams, req.body, 'input parameters');
    const { t } = parseOr400(turnQuery, req.query, 'query');
    const event = inputEvent(params);
    const { heard, ...result } = await deps.turns.handle(params.CallSid, event, t, params.From, params.To);
    const said = answerLog(event, heard);
    return { ...result, callSid: params.CallSid, event: said.event, extra: { ...said.extra, ...result.extra } };
  });

  // After the desk's announcement: a key pressed during it skipped it, and is not an answer to anything.
  turn('/voice/announced', async (req) => {
    const params = parseOr400(inputParams, req.body, 'input parameters');
    const { t, then } = parseOr400(announcedQuery, req.query, 'query');
    const { heard: _heard, ...result } = await deps.turns.afterAnnouncement(params.CallSid, t, then, params.From, params.To);
    return { ...result, callSid: params.CallSid, event: params.Digits ? 'announcement skipped' : 'announcement heard' };
  });

  turn('/voice/dial', async (req) => {
    const { CallSid, DialCallStatus } = parseOr400(dialParams, req.body, 'dial parameters');
    const { t } = parseOr400(turnQuery, req.query, 'query');
    const result = await deps.turns.handle(CallSid, dialEvent(DialCallStatus), t);
    return { ...result, callSid: CallSid, event: `dial ${DialCallStatus}`, dial: DialCallStatus };
  });

  turn('/voice/whisper', async (req) => {
    const { CallSid } = parseOr400(callParams, req.body, 'call parameters');
    const { w } = parseOr400(whisperQuery, req.query, 'query');
    return { twiml: whisperTwiml(w, deps.render), callSid: CallSid, event: 'agent answered', outcome: 'whispered' };
  });

  turn('/voice/fallback', async (req) => {
    const { CallSid } = parseOr400(callParams, req.body, 'call parameters');
    const body = req.body as Record<string, unknown>;
    return {
      twiml: deps.rescue.transfer(CallSid, 'technicalProblem'),
      callSid: CallSid,
      event: 'fallback',
      outcome: 'fallback-rescued',
      transfer: rescueTransfer('technicalProblem', null),
      // The failed URL's path only: its query may carry what the caller entered.
      extra: {
        errorCode: typeof body.ErrorCode === 'string' ? cut(body.ErrorCode) : undefined,
        errorUrl: typeof body.ErrorUrl === 'string' ? pathOf(body.ErrorUrl) : undefined,
      },
    };
  });

  turn('/voice/rescue/dial', async (req) => {
    const { CallSid, DialCallStatus } = parseOr400(dialParams, req.body, 'dial parameters');
    const { d } = parseOr400(rescueDialQuery, req.query, 'query');
    return {
      twiml: deps.rescue.dialed(CallSid, DialCallStatus, d),
      callSid: CallSid,
      event: `dial ${DialCallStatus}`,
      outcome: 'rescue',
      dial: DialCallStatus,
    };
  });

  turn('/voice/rescue/choice', async (req) => {
    const params = parseOr400(inputParams, req.body, 'input parameters');
    const query = parseOr400(rescueQuery, req.query, 'query');
    const event = inputEvent(params);
    const { twiml, heard, redial } = deps.rescue.choice(params.CallSid, event, query);
    // A redial is a transfer the desk page shows too, with what is known: the reference and the rescue's reason.
    const transfer = redial ? rescueTransfer('stateLost', null, true) : undefined;
    return { twiml, callSid: params.CallSid, ...answerLog(event, heard), outcome: 'rescue', ...(transfer && { transfer }) };
  });

  turn('/voice/status', async (req) => {
    const { CallSid, CallStatus, CallDuration } = parseOr400(statusParams, req.body, 'status parameters');
    if (!TERMINAL.has(CallStatus)) return { callSid: CallSid, event: `status ${CallStatus}`, outcome: 'ignored' };
    try {
      const { outcome, summary } = await deps.turns.end(CallSid, CallStatus, CallDuration ?? null);
      const ended = outcome === 'already-ended' ? undefined : { callSid: CallSid, summary };
      return { callSid: CallSid, node: summary?.lastNode, event: `status ${CallStatus}`, outcome, ended };
    } catch (error) {
      // The caller is gone; the session's own time to live removes it later.
      return { callSid: CallSid, event: `status ${CallStatus}`, outcome: 'end-failed', extra: { error: (error as Error).message } };
    }
  });

  return router;
}

/** Tells the observer what an answer did; a fault there is the observer's own and never reaches the caller. */
function observe(observer: CallObserver, answer: Answer, callSid: string, from: unknown): void {
  try {
    if (answer.transfer !== undefined)
      observer.transferStarted({ ...answer.transfer, callSid, from: typeof from === 'string' ? from.slice(0, 64) : undefined });
    if (answer.dial !== undefined) observer.dialEnded({ callSid, status: answer.dial });
    if (answer.ended !== undefined) observer.callEnded(answer.ended);
  } catch {
    // An observer must not throw; if it does, the webhook has been answered all the same.
  }
}
