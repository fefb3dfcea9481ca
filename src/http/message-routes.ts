import express, { type Router } from 'express';
import { withDeadline } from '../common/deadline';
import type { Logger } from '../common/log';
import type { Metrics } from '../common/metrics';
import { MESSAGE_STATUS_PATH, messageStatusParams } from '../telephony/message-params';
import { RefusalLog } from './refusal-log';
import { BadRequest, parseOr400, refuseWebhook, webhookGuard, type GuardOptions } from './webhook';

/** What a message's status becomes (the text messages): counted, told to the desk; its result goes in the log line. */
export interface MessageStatusHandler {
  status(report: { messageSid: string; status: string; errorCode?: number | undefined }): Promise<string>;
}

export interface MessageRouteDeps {
  messages: MessageStatusHandler;
  guard: GuardOptions;
  logger: Logger;
  metrics: Metrics;
  /** Longest wait for the store (the message's call). */
  storeTimeoutMs: number;
}

/**
 * Twilio's status callback for the text messages the line sends (their StatusCallback): signature-checked like the
 * voice webhooks, parsed, counted, and told to the desk on the message's call. Answered 204; a fault is logged and
 * still answered (Twilio would only post it again).
 */
export function messageRoutes(deps: MessageRouteDeps): Router {
  const router = express.Router();
  const refusals = new RefusalLog(deps.logger, { counted: (status) => deps.metrics.refused(status) });
  router.post(MESSAGE_STATUS_PATH, webhookGuard(deps.guard, deps.logger, refusals), async (req, res) => {
    let params;
    try {
      params = parseOr400(messageStatusParams, req.body, 'message status parameters');
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      refuseWebhook(req, res, refusals, error.status, error.message);
      return;
    }
    const { MessageSid, MessageStatus, ErrorCode } = params;
    let outcome: string;
    const extra: Record<string, unknown> = {};
    try {
      outcome = await withDeadline(
        deps.messages.status({ messageSid: MessageSid, status: MessageStatus, errorCode: ErrorCode }),
        deps.storeTimeoutMs,
        'the message status',
      );
    } catch (error) {
      outcome = 'status-failed';
      extra.error = (error as Error).message;
    }
    res.status(204).end();
    deps.metrics.count('portal_line_webhooks_total', { route: MESSAGE_STATUS_PATH, outcome });
    deps.logger[MessageStatus === 'delivered' || ErrorCode === undefined ? 'info' : 'warn'](
      { route: MESSAGE_STATUS_PATH, messageSid: MessageSid, status: MessageStatus, errorCode: ErrorCode, outcome, ...extra },
      'message status',
    );
  });
  return router;
}
