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
/** Steps of the path kept for the agent: the most recent ones, as for the notes. */
export const MAX_PATH = 24;

/** Why the current prompt is said the way it is. */
export const notice = z
  .enum([
    'greeting',
    'noInput',
    'invalidKey',
    'notUnderstood',
    'refused',
    'waiting',
    'flowChanged',
    'dialEnded',
    'textQueued',
    'textAlready',
    'textRefused',
    'textFailed',
    'callbackFailed',
    /** An earlier call's callback to the same number is open: nothing new was booked. */
    'callbackOpen',
    /** The number the caller calls from is not one the desk calls back: they are asked to key one. */
    'callerNumberUnfit',
    /** The number keyed is not one the desk calls back: they are asked for another. */
    'keyedNumberUnfit',
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

/**
 * How a pending action went: queued; queued already earlier in the call (not again); open already from an earlier
 * call (a callback to the same number: not again); not possible (refused); or not done because the line had a fault
 * just then (failed: nothing was kept or counted, asking again may work).
 */
export const actionOutcome = z.enum(['queued', 'already', 'open', 'refused', 'failed']);
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
  /**
   * The nodes the call has left, in order, each with how it left: "main-menu:3" (a key), "username:timeout" (no
   * key), "_bsd_request:busy" (the desk's dial). The node the call is at is its state, not here.
   */
  path: z.array(z.string()).default([]),
  /**
   * Every node the call has left, once each and never cut short (at most the flow's nodes): whether the call reaches a
   * node for the first time, for the flow's insights, also in a call longer than its `path`. Absent in older calls.
   */
  nodesLeft: z.array(z.string()).catch([]),
  /**
   * A spoken answer the line is asking the caller to confirm ("Did you say password?"): the key it stands for and
   * how sure the recogniser was. Never what the caller said: that is neither logged nor stored.
   */
  confirming: z
    .object({ key: z.string().max(1), confidence: z.number().min(0).max(1) })
    .nullable()
    .default(null),
  /** A 10-digit number the caller keyed in for a callback, until it is confirmed and booked. */
  callbackNumber: z.string().nullable().default(null),
  /** What the turn must do before it answers; always null once a turn is over. */
  pending: pendingAction.nullable().default(null),
  /**
   * The text messages queued for the caller in this call ('desk', or 'steps:<node>'; NO_MORE_TEXTS after a refusal):
   * "press 8" is not offered again for those. A text that failed for a fault of the line is offered again.
   */
  texted: z.array(z.string()).catch([]),
  /** True once the caller heard the desk is closed: the call is counted as a closed-desk call, however long after. */
  metClosedDesk: z.boolean().catch(false),
  /** True when the call began with the desk's announcement (docs/desk.md): its end tells whether it went further. */
  announced: z.boolean().catch(false),
});
export type CallContext = z.infer<typeof callContext>;

/** In `texted`: a text was refused in this call (the number, or a limit), so none is offered again. */
export const NO_MORE_TEXTS = '*';

/** Which text message a pending text is, as `texted` lists it. */
export const textKey = (text: Extract<PendingAction, { kind: 'text' }>): string => (text.what === 'steps' ? `steps:${text.node}` : 'desk');

/** A call's context as it starts: its reference, nothing answered yet, the greeting to say. */
export const startingContext = (reference: string): CallContext => ({
  reference,
  failures: 0,
  quiet: 0,
  notice: 'greeting',
  history: [],
  transfer: null,
  dialProblem: null,
  flowRestarted: false,
  answered: null,
  deskTries: 0,
  path: [],
  nodesLeft: [],
  confirming: null,
  callbackNumber: null,
  pending: null,
  texted: [],
  metClosedDesk: false,
  announced: false,
});

/** How an answer was given: a key, or a spoken answer matched to a choice (its name, never the words said). */
export type Said = { word: string; confidence: number; confirmed: boolean };

export type CallEvent =
  /** A key; `said` when the caller spoke the answer the key stands for. */
  | { type: 'KEY'; key: string; said?: Said }
  | { type: 'SILENCE' }
  | { type: 'DIAL'; outcome: 'connected' | DialProblem }
  /** Outside the desk's hours a transfer does not dial: it turns into the desk-closed choice. */
  | { type: 'CLOSED' }
  /** How the turn's pending action went. */
  | { type: 'ACTION'; outcome: ActionOutcome }
  /** Speech as Twilio heard it: turned into one of the events below before the machine sees it (see speech.ts). */
  | { type: 'SPEECH'; text: string; confidence: number }
  /** Speech that named no choice: a wrong answer. */
  | { type: 'NOT_UNDERSTOOD' }
  /** The callback number the call is at (its own, or the one just keyed) is not one the desk calls back. */
  | { type: 'NUMBER_UNFIT' }
  /** Speech heard with low confidence, or naming two choices: ask whether it meant `key`. */
  | { type: 'CONFIRM'; key: string; confidence: number }
  /** "No" to a confirmation: ask the question again. */
  | { type: 'REFUSE' };

/** How a key or a spoken answer reads in the call's history: "pressed 2", "said password". */
export function answeredBy(event: CallEvent): string | undefined {
  if (event.type !== 'KEY') return undefined;
  if (event.said === undefined) return `pressed ${event.key}`;
  const { word, confidence, confirmed } = event.said;
  return `said ${word}, confidence ${confidence.toFixed(2)}${confirmed ? ', confirmed' : ''}`;
}

/** How an event leaves a node, as a step of the path says it: the key, "timeout", or how the desk's dial ended. */
export function howLeft(event: CallEvent): string {
  if (event.type === 'KEY') return /^[0-9*#]$/.test(event.key) ? event.key : 'key';
  if (event.type === 'SILENCE') return 'timeout';
  if (event.type === 'DIAL') return event.outcome;
  if (event.type === 'NOT_UNDERSTOOD') return 'not-understood';
  if (event.type === 'CONFIRM') return 'confirm';
  if (event.type === 'REFUSE') return 'refused';
  if (event.type === 'CLOSED') return 'closed';
  if (event.type === 'ACTION') return event.outcome;
  if (event.type === 'NUMBER_UNFIT') return 'unfit';
  return 'speech';
}

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
    // 'open': the desk has this number's callback from an earlier call, which the caller is told as done.
    actionDone: ({ event }) =>
      event.type === 'ACTION' && (event.outcome === 'queued' || event.outcome === 'already' || event.outcome === 'open'),
  },
  actions: {
    /** A real choice was made: start the next question afresh. */
    enterNode: assign({ failures: 0, quiet: 0, notice: null, answered: null, confirming: null }),
    /** The caller answered a question that has words for after any answer. */
    answered: assign({ answered: (_, params: { node: string }) => params.node }),
    /** The desk's dial ended without a conversation: the next prompt says how. */
    dialEnded: assign({ notice: 'dialEnded' as Notice, deskTries: ({ context }) => context.deskTries + 1 }),
    countFailure: assign({
      failures: ({ context }) => context.failures + 1,
      notice: ({ event }): Notice =>
        event.type === 'SILENCE' ? 'noInput' : event.type === 'NOT_UNDERSTOOD' ? 'notUnderstood' : 'invalidKey',
      confirming: null,
    }),
    countQuiet: assign({ quiet: ({ context }) => context.quiet + 1, notice: 'waiting' as Notice, confirming: null }),
    /** The call leaves `node` (for another, or to hear it again): a step of its path. */
    left: assign({
      path: ({ context, event }, params: { node: string }) => [...context.path, `${params.node}:${howLeft(event)}`].slice(-MAX_PATH),
      nodesLeft: ({ context }, params: { node: string }) =>
        context.nodesLeft.includes(params.node) ? context.nodesLeft : [...context.nodesLeft, params.node],
    }),
    /** Ask the caller to confirm a spoken answer; the question's failure count stays as it is. */
    askConfirm: assign({
      confirming: ({ event }) => (event.type === 'CONFIRM' ? { key: event.key, confidence: event.confidence } : null),
      notice: null as Notice,
    }),
    /** "No" to a confirmation: the question again, without counting a failure. */
    refuseConfirm: assign({ confirming: null, notice: 'refused' as Notice }),
    /** What the caller answered, and how: "Problem: password (said password, confidence 0.91)", "… (pressed 2)". */
    record: assign({
      history: ({ context, event }, params: { note: string }) => {
        const how = answeredBy(event);
        return [...context.history, how === undefined ? params.note : `${params.note} (${how})`].slice(-MAX_HISTORY);
      },
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
      texted: ({ context, event }) => {
        if (context.pending?.kind !== 'text' || event.type !== 'ACTION') return context.texted;
        if (event.outcome === 'queued' || event.outcome === 'already') return [...context.texted, textKey(context.pending)];
        // Refused (the number, or a limit): no text is offered again in the call. Failed: asking again may work.
        return event.outcome === 'refused' ? [...context.texted, NO_MORE_TEXTS] : context.texted;
      },
      notice: ({ event }): Notice =>
        event.type !== 'ACTION'
          ? null
          : event.outcome === 'queued'
            ? 'textQueued'
            : event.outcome === 'already'
              ? 'textAlready'
              : event.outcome === 'open'
                ? 'callbackOpen'
                : event.outcome === 'failed'
                  ? 'textFailed'
                  : 'textRefused',
    }),
    callbackFailed: assign({ notice: 'callbackFailed' as Notice }),
    metClosedDesk: assign({ metClosedDesk: true }),
    callerNumberUnfit: assign({ notice: 'callerNumberUnfit' as Notice, failures: 0, callbackNumber: null }),
    keyedNumberUnfit: assign({ notice: 'keyedNumberUnfit' as Notice, failures: 0, callbackNumber: null }),
    rememberDialProblem: assign({
      dialProblem: ({ event }) => (event.type === 'DIAL' && event.outcome !== 'connected' ? event.outcome : 'failed'),
    }),
  },
});
