import type { ActionOutcome } from '../engine/call-machine';
import type { Logger } from '../common/log';
import type { Callbacks } from '../callbacks/callbacks';
import type { CallerRequest, RequestHandler } from '../turn/requests';
import type { TextMessages } from '../messages/text-messages';

/** What callers ask for, handed to the callback queue or the text messages. */
export class CallerRequests implements RequestHandler {
  constructor(
    private readonly callbacks: Callbacks,
    private readonly messages: TextMessages | undefined,
    private readonly logger: Logger,
  ) {}

  async perform(request: CallerRequest): Promise<ActionOutcome> {
    const { pending } = request;
    try {
      if (pending.kind === 'callback') return await this.callbacks.ask({ ...request, keyed: pending.number });
      if (this.messages === undefined) return 'refused';
      return await this.messages.queue(request, pending);
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
    if (request.pending.kind === 'callback') void this.callbacks.withdraw(request.callSid, request.attempt);
  }
}
