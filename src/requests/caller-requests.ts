import type { ActionOutcome } from '../engine/call-machine';
import type { Callbacks } from '../callbacks/callbacks';
import type { CallerRequest, RequestHandler } from '../turn/requests';
import type { TextMessages } from '../messages/text-messages';

/** What callers ask for, handed to the callback queue or the text messages. */
export class CallerRequests implements RequestHandler {
  constructor(
    private readonly callbacks: Callbacks,
    private readonly messages: TextMessages | undefined,
  ) {}

  perform(request: CallerRequest): Promise<ActionOutcome> {
    const { pending } = request;
    if (pending.kind === 'callback') return this.callbacks.ask({ ...request, keyed: pending.number });
    if (this.messages === undefined) return Promise.resolve('refused');
    return this.messages.queue(request, pending);
  }
}
