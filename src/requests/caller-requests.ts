import type { ActionOutcome } from '../engine/call-machine';
import type { Logger } from '../common/log';
import type { Callbacks } from '../callbacks/callbacks';
import type { CallerRequest, RequestHandler } from '../turn/requests';
import type { TextMessages } from '../messages/text-messages';
import type { FollowUp } from '../turn/call-observer';
import type { FollowUps } from './follow-ups';

/** What callers ask for, handed to the callback queue or the text messages. */
export class CallerRequests implements RequestHandler {
  constructor(
    private readonly callbacks: Callbacks,
    private readonly messages: TextMessages | undefined,
    private readonly logger: Logger,
    private readonly followUps?: FollowUps,
  ) {}

  async perform(request: CallerRequest, abandoned?: AbortSignal): Promise<ActionOutcome> {
    const { pending } = request;
    try {
      let outcome: ActionOutcome;
      if (pending.kind === 'callback') outcome = await this.callbacks.ask({ ...request, keyed: pending.number });
      else if (this.messages === undefined) outcome = 'refused';
      else outcome = await this.messages.queue(request, pending, abandoned);
      this.tell(request, outcome);
      return outcome;
    } catch (error) {
      this.logger.error(
        { callSid: request.callSid, request: pending.kind, error: (error as Error).message },
        'a caller request could not be kept',
      );
      throw error;
    }
  }

  /** What the desk's card shows of it: a callback booked (or not), a text asked for (or not sent). */
  private tell({ callSid, pending }: CallerRequest, outcome: ActionOutcome): void {
    if (outcome === 'already' || this.followUps === undefined) return;
    const followUp: FollowUp =
      pending.kind === 'callback'
        ? { callSid, id: 'callback', kind: 'callback', state: outcome === 'queued' ? 'booked' : 'failed' }
        : {
            callSid,
            id: `text:${pending.what === 'steps' ? `steps:${pending.node}` : 'desk'}`,
            kind: 'text',
            state: outcome === 'queued' ? 'asked' : outcome === 'failed' ? 'failed' : 'refused',
          };
    this.followUps.tell(followUp);
  }
}
