import { assign, setup } from 'xstate';
import { z } from 'zod';

/** How many failed answers (no key, or a key that is not a choice) at one question before the caller is transferred. */
export const MAX_FAILURES = 3;
/**
 * How many times the line waits in silence at self-service steps (the caller may be restarting a computer) before
 * it transfers the caller, where the step does not say (its `wait.times`).
 */
export const MAX_QUIET = 6;
/** Dials to the desk in one call: the first, and at most two more tries when it is busy or does not answer. */
export const MAX_DESK_DIALS = 3;
/** Notes kept for the agent: the most recent ones, so a caller who wanders cannot grow the call without bound. */
export const MAX_HISTORY = 12;

/** Why the current prompt is said the way it is. */
export const notice = z
  .enum([
    'greeting',
    'noInput',
    'invalidKey',
    'waiting',
    'flowChanged',
    'dialEnded',
    'textQueued',
    'textAlready',
    'textRefused',
    'callbackFailed',
  ])
  .nullable();
export type Notice = z.infer<typeof notice>;

/** What the Business Support Desk's dial reported when the caller was not connected. */
export const dialProblem = z.enum(['busy', 'noAnswer', 'failed']);
export type DialProblem = z.infer<typeof dialProblem>;

/**
 * Something the caller asked for that the turn does outside the pure machine, before it answers: a callback kept
 * for the desk, or a text message queued. The turn reports how it went with an ACTION event in the same turn, so a
 * stored call never has one pending.
 */
export const pendingAction = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('callback'), number: z.string().nullable() }),
  z.object({ kind: z.literal('text'), what: z.literal('steps'), node: z.string() }),
  z.object({ kind: z.literal('text'), what: z.literal('desk') }),
]);
export type PendingAction = z.infer<typeof pendingAction>;

/** How a pending action went: queued; queued already earlier in the call (not again); or not possible. */
export const actionOutcome = z.enum(['queued', 'already', 'refused']);
export type ActionOutcome = z.infer<typeof actionOutcome>;

/**
 * A call's context: the one definition the machine runs on and the store parses. Fields added after the first
 * release have defaults, so calls saved by an older instance still load.
 */
export const callContext = z.object({
  /** Short code the caller and the agent both hear. */
  reference: z.string(),
  /** Failed answers at the current question. */
  failures: z.number().int().min(0),
  /** Silences while self-service steps wait for the caller. */
  quiet: z.number().int().min(0).default(0),
  notice,
  /** What the caller told the line, for the agent: "Problem: username", "Changed mobile device: yes". */
  history: z.array(z.string()),
  /** The state whose transfer is in progress or was last tried, for a redial. */
  transfer: z.string().nullable(),
  dialProblem: dialProblem.nullable(),
  /** True once the call was led back to the main menu because its flow changed under it. */
  flowRestarted: z.boolean().default(false),
  /** The question the caller just answered, whose `afterAnswer` opens the next prompt; null once it was said. */
  answered: z.string().nullable().default(null),
  /** Dials to the desk that did not connect. */
  deskTries: z.number().int().min(0).default(0),
  /** A 10-digit number the caller keyed in for a callback, until it is confirmed and booked. */
  callbackNumber: z.string().nullable().default(null),
  /** What the turn must do before it answers; always null once a turn is over. */
  pending: pendingAction.nullable().default(null),
});
export type CallContext = z.infer<typeof callContext>;

export type CallEvent =
  | { type: 'KEY'; key: string }
  | { type: 'SILENCE' }
  | { type: 'DIAL'; outcome: 'connected' | DialProblem }
  /** Outside the desk's hours a transfer does not dial: it turns into the desk-closed choice. */
  | { type: 'CLOSED' }
  /** How the turn's pending action went. */
  | { type: 'ACTION'; outcome: ActionOutcome };

/** A callback number: 10 digits, North American style, area code first. */
export const CALLBACK_DIGITS = 10;

export interface CallInput {
  reference: string;
}

/** The guards and actions every compiled flow uses, referenced by name from the generated states. */
export const callMachineSetup = setup({
  types: {
    context: {} as CallContext,
    events: {} as CallEvent,
    input: {} as CallInput,
  },
  guards: {
    keyIs: ({ event }, params: { key: string }) => event.type === 'KEY' && event.key === params.key,
    tooManyFailures: ({ context }) => context.failures + 1 >= MAX_FAILURES,
    tooQuiet: ({ context }, params: { times: number }) => context.quiet + 1 >= params.times,
    connected: ({ event }) => event.type === 'DIAL' && event.outcome === 'connected',
    deskGivesUp: ({ context }) => context.deskTries + 1 >= MAX_DESK_DIALS,
    phoneNumberKeyed: ({ event }) => event.type === 'KEY' && event.key.length === CALLBACK_DIGITS && /^\d+$/.test(event.key),
    actionDone: ({ event }) => event.type === 'ACTION' && event.outcome !== 'refused',
  },
  actions: {
    /** A real choice was made: start the next question afresh. */
    enterNode: assign({ failures: 0, quiet: 0, notice: null, answered: null }),
    /** The caller answered a question that has words for after any answer. */
    answered: assign({ answered: (_, params: { node: string }) => params.node }),
    /** The desk's dial ended without a conversation: the next prompt says how. */
    dialEnded: assign({ notice: 'dialEnded' as Notice, deskTries: ({ context }) => context.deskTries + 1 }),
    countFailure: assign({
      failures: ({ context }) => context.failures + 1,
      notice: ({ event }): Notice => (event.type === 'SILENCE' ? 'noInput' : 'invalidKey'),
    }),
    countQuiet: assign({ quiet: ({ context }) => context.quiet + 1, notice: 'waiting' as Notice }),
    record: assign({
      history: ({ context }, params: { note: string }) => [...context.history, params.note].slice(-MAX_HISTORY),
    }),
    rememberTransfer: assign({ transfer: (_, params: { state: string }) => params.state, dialProblem: null }),
    /** The caller keyed a number for a callback: kept until it is booked, read back for confirmation. */
    keepNumber: assign({ callbackNumber: ({ event }) => (event.type === 'KEY' ? event.key : null) }),
    forgetNumber: assign({ callbackNumber: null }),
    askCallback: assign({ pending: ({ context }): PendingAction => ({ kind: 'callback', number: context.callbackNumber }) }),
    askTextSteps: assign({ pending: (_, params: { node: string }): PendingAction => ({ kind: 'text', what: 'steps', node: params.node }) }),
    askTextDesk: assign({ pending: (): PendingAction => ({ kind: 'text', what: 'desk' }) }),
    /** The pending action is done: the next prompt says how it went. */
    settled: assign({
      pending: null,
      callbackNumber: null,
      notice: ({ event }): Notice =>
        event.type !== 'ACTION'
          ? null
          : event.outcome === 'queued'
            ? 'textQueued'
            : event.outcome === 'already'
              ? 'textAlready'
              : 'textRefused',
    }),
    callbackFailed: assign({ notice: 'callbackFailed' as Notice }),
    rememberDialProblem: assign({
      dialProblem: ({ event }) => (event.type === 'DIAL' && event.outcome !== 'connected' ? event.outcome : 'failed'),
    }),
  },
});
