import type { ActionOutcome } from '../engine/call-machine';
import type { Logger } from '../common/log';
import type { Callbacks } from './callbacks/callbacks';
import type { CallerRequest, RequestHandler } from '../turn/requests';
import type { TextMessages } from './texts/text-messages';
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
      this.tell(request, outcome, abandoned);
      return outcome;
    } catch (error) {
      this.logger.error(
        { callSid: request.callSid, request: pending.kind, error: (error as Error).message },
        'a caller request could not be kept',
      );
      throw error;
    }
  }

  withdraw(request: CallerRequest): void {
    // A queued text message is the text messages' own affair; a callback must not stay open on the desk.
    if (request.pending.kind !== 'callback') return;
    // The card says "not booked" only once it is off the list: another turn of the call may still hold it, its
    // caller told it is booked.
    void this.callbacks.withdraw(request.callSid, request.attempt, () =>
      this.followUps?.tell({ callSid: request.callSid, id: 'callback', kind: 'callback', state: 'failed' }),
    );
  }

  /** What the desk's card shows of it: a callback booked (or not), a text asked for (or not sent). */
  private tell({ callSid, pending }: CallerRequest, outcome: ActionOutcome, abandoned?: AbortSignal): void {
    if (outcome === 'already' || this.followUps === undefined) return;
    // The turn stopped waiting: its caller heard it could not be done, whatever came of it since. A callback's card
    // line then comes from its withdrawal, which knows whether another turn of the call still holds it.
    if (pending.kind === 'callback' && abandoned?.aborted === true) return;
    // 'open': the desk has this number's callback from an earlier call.
    const done = (outcome === 'queued' || outcome === 'open') && abandoned?.aborted !== true;
    const followUp: FollowUp =
      pending.kind === 'callback'
        ? { callSid, id: 'callback', kind: 'callback', state: done ? 'booked' : 'failed' }
        : {
            callSid,
            id: `text:${pending.what === 'steps' ? `steps:${pending.node}` : 'desk'}`,
            kind: 'text',
            state: done ? 'asked' : outcome === 'refused' ? 'refused' : 'failed',
          };
    this.followUps.tell(followUp);
  }
}
