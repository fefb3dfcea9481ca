import { createHash } from 'node:crypto';
import type { AnyStateMachine } from 'xstate';
import { callMachineSetup, MAX_QUIET, startingContext, type CallContext, type CallInput } from './call-machine';
import { edgesOf } from '../flows/graph';
import type { LoadedFlow } from '../flows/load';
import { GLOBAL_KEYS, type FlowFile, type FlowNode } from '../flows/schema';

/** States the compiler adds to every flow. Their names use '_', which flow node ids cannot, so they never clash. */
export const SYSTEM = {
  bsdRequest: '_bsd_request',
  keypadTrouble: '_keypad_trouble',
  quiet: '_quiet',
  redial: '_redial',
  dialFailed: '_dial_failed',
  deskUnavailable: '_desk_unavailable',
  afterDesk: '_after_desk',
  goodbye: '_goodbye',
  /** Outside the desk's hours: when it opens, the reference, and a callback, a text message or the end. */
  deskClosed: '_desk_closed',
  callbackNumber: '_callback_number',
  callbackKeyed: '_callback_keyed',
  callbackConfirm: '_callback_confirm',
  /** The turn books the callback (a pending action) and moves on by how that went. */
  callbackBooking: '_callback_booking',
  callbackBooked: '_callback_booked',
  /** The turn queues the desk's details by text message (a pending action). */
  textDesk: '_text_desk',
  textQueued: '_text_queued',
} as const;

/** The keys of the choices a caller is offered when the desk is closed or did not answer, and at steps. */
export const OFFER_KEYS = { endCall: '2', callback: '3', text: '8' } as const;

export interface CompiledFlow extends LoadedFlow {
  machine: CallMachine;
  /**
   * A hash of what each node's keys do. A call saved on another version of the flow carries on where it is when
   * its node's keys do the same in both; otherwise it is led back to the main menu.
   */
  nodeVersions: Record<string, string>;
  /** The states that dial the desk: outside its hours they turn into the desk-closed choice. */
  transferStates: ReadonlySet<string>;
}

type Transition = {
  target?: string;
  reenter?: boolean;
  guard?:
    | { type: 'keyIs'; params: { key: string } }
    | { type: 'tooQuiet'; params: { times: number } }
    | 'tooManyFailures'
    | 'connected'
    | 'deskGivesUp'
    | 'phoneNumberKeyed'
    | 'actionDone';
  actions?: (
    | 'enterNode'
    | 'countFailure'
    | 'countQuiet'
    | 'askConfirm'
    | 'refuseConfirm'
    | 'rememberDialProblem'
    | 'dialEnded'
    | 'keepNumber'
    | 'forgetNumber'
    | 'askCallback'
    | 'askTextDesk'
    | 'settled'
    | 'callbackFailed'
    | 'callerNumberUnfit'
    | 'keyedNumberUnfit'
    | 'metClosedDesk'
    | { type: 'askTextSteps'; params: { node: string } }
    | { type: 'record'; params: { note: string } }
    | { type: 'answered'; params: { node: string } }
    | { type: 'rememberTransfer'; params: { state: string } }
    | { type: 'left'; params: { node: string } }
  )[];
};
type StateConfig = {
  type?: 'final';
  entry?: Transition['actions'];
  on?: {
    KEY?: Transition[];
    SILENCE?: Transition[];
    DIAL?: Transition[];
    NOT_UNDERSTOOD?: Transition[];
    CONFIRM?: Transition[];
    REFUSE?: Transition[];
    CLOSED?: Transition[];
    ACTION?: Transition[];
    NUMBER_UNFIT?: Transition[];
  };
};

const key = (k: string) => ({ type: 'keyIs' as const, params: { key: k } });

/** A real choice: the next state starts with a clean failure count and no notice; `after` runs once it has. */
function go(
  keyPressed: string,
  target: string,
  actions: Transition['actions'] = [],
  reenter = false,
  after: Transition['actions'] = [],
): Transition {
  return { guard: key(keyPressed), target, reenter, actions: [...(actions ?? []), 'enterNode', ...(after ?? [])] };
}

/**
 * 0, * and 9 at an interactive state, then the failure path for anything else. With `quietTimes`, silence is not
 * a failure: the caller may be busy with the steps just read out; the line waits, that many times.
 */
function keypad(
  self: string,
  flow: FlowFile,
  choices: Transition[],
  onTooMany: string,
  onZero: string,
  quietTimes?: number,
): StateConfig['on'] {
  const failure: Transition[] = [{ guard: 'tooManyFailures', target: onTooMany, actions: ['enterNode'] }, { actions: ['countFailure'] }];
  const silence: Transition[] =
    quietTimes === undefined
      ? failure
      : [
          { guard: { type: 'tooQuiet', params: { times: quietTimes } }, target: SYSTEM.quiet, actions: ['enterNode'] },
          { actions: ['countQuiet'] },
        ];
  return {
    KEY: [
      ...choices,
      go(GLOBAL_KEYS.bsd, onZero),
      go(GLOBAL_KEYS.repeat, self, [], true),
      go(GLOBAL_KEYS.mainMenu, flow.start, [], true),
      ...failure,
    ],
    SILENCE: silence,
    NOT_UNDERSTOOD: failure,
    CONFIRM: [{ actions: ['askConfirm'] }],
    REFUSE: [{ actions: ['refuseConfirm'] }],
  };
}

function choicesOf(id: string, node: FlowNode): Transition[] {
  const choices: Transition[] = [];
  for (const edge of edgesOf(node)) {
    const actions: Transition['actions'] = [];
    if (node.type === 'menu') {
      actions.push({ type: 'record', params: { note: `${node.note}: ${edge.label}` } });
    } else if (node.type === 'question') {
      actions.push({ type: 'record', params: { note: `${node.note}: ${edge.label === 'unsure' ? 'not sure' : edge.label}` } });
    } else if (node.type === 'instructions' && edge.field === 'more.goto' && node.note !== undefined) {
      actions.push({ type: 'record', params: { note: node.note } });
    }
    const after: Transition['actions'] =
      node.type === 'question' && node.afterAnswer !== undefined ? [{ type: 'answered', params: { node: id } }] : [];
    choices.push(go(edge.key, edge.to, actions, false, after));
  }
  if (node.type === 'instructions') {
    choices.push(go('2', id, [], true));
    // The steps by text message: the turn queues it, and the caller stays at the steps.
    choices.push({ guard: key(OFFER_KEYS.text), actions: [{ type: 'askTextSteps', params: { node: id } }] });
  }
  return choices;
}

function transferState(state: string): StateConfig {
  return {
    entry: [{ type: 'rememberTransfer', params: { state } }],
    on: {
      DIAL: [
        { guard: 'connected', target: SYSTEM.afterDesk },
        // The desk did not answer: try again at most twice more, then give the caller its number and the reference.
        { guard: 'deskGivesUp', target: SYSTEM.deskUnavailable, actions: ['rememberDialProblem', 'enterNode', 'dialEnded'] },
        { target: SYSTEM.dialFailed, actions: ['rememberDialProblem', 'enterNode', 'dialEnded'] },
      ],
      CLOSED: [{ target: SYSTEM.deskClosed, actions: ['enterNode'] }],
    },
  };
}

/**
 * Every transition that leaves a state (for another, or to enter it again) first adds the state and how it was
 * left to the call's path: the path the desk page shows is the one the call took. New transition objects: a
 * keypad's failure transitions are shared between its events.
 */
function recordPath(states: Record<string, StateConfig>): void {
  for (const [id, state] of Object.entries(states)) {
    if (state.on === undefined) continue;
    for (const event of Object.keys(state.on) as (keyof NonNullable<StateConfig['on']>)[]) {
      state.on[event] = state.on[event]!.map((t) =>
        t.target === undefined ? t : { ...t, actions: [{ type: 'left' as const, params: { node: id } }, ...(t.actions ?? [])] },
      );
    }
  }
}

/** A callback or a text message, offered when the desk is closed and beside "try again" when it did not answer. */
const offers = (): Transition[] => [go(OFFER_KEYS.callback, SYSTEM.callbackNumber), go(OFFER_KEYS.text, SYSTEM.textDesk)];

/** Compiles a checked flow into the xstate machine that runs each call on it. */
export function compileFlow(loaded: LoadedFlow): CompiledFlow {
  const { flow } = loaded;
  const states: Record<string, StateConfig> = {};
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (node.type === 'transfer') states[id] = transferState(id);
    else if (node.type === 'end') states[id] = { type: 'final' };
    else {
      const quietTimes = node.type === 'instructions' ? (node.wait?.times ?? MAX_QUIET) : undefined;
      states[id] = { on: keypad(id, flow, choicesOf(id, node), SYSTEM.keypadTrouble, SYSTEM.bsdRequest, quietTimes) };
    }
  }
  states[SYSTEM.bsdRequest] = transferState(SYSTEM.bsdRequest);
  states[SYSTEM.keypadTrouble] = transferState(SYSTEM.keypadTrouble);
  states[SYSTEM.quiet] = transferState(SYSTEM.quiet);
  // A redial keeps the transfer it repeats, so the agent hears the same reason.
  states[SYSTEM.redial] = { on: transferState(SYSTEM.redial).on! };
  const transferStates = new Set(
    Object.entries(states)
      .filter(([, s]) => s.on?.CLOSED !== undefined)
      .map(([id]) => id),
  );
  states[SYSTEM.dialFailed] = {
    // Three failed answers here end as "end the call" does, with the desk's number and the reference: the desk
    // is only dialled again when the caller asks.
    on: keypad(
      SYSTEM.dialFailed,
      flow,
      [go('1', SYSTEM.redial), go(OFFER_KEYS.endCall, SYSTEM.deskUnavailable), ...offers()],
      SYSTEM.deskUnavailable,
      SYSTEM.redial,
    ),
  };
  // 0 here says again that the desk is closed, as 0 anywhere does while it is. "End the call" ends as it does
  // after a failed dial: with the desk's number and the reference.
  states[SYSTEM.deskClosed] = {
    entry: ['metClosedDesk'],
    on: keypad(
      SYSTEM.deskClosed,
      flow,
      [...offers(), go(OFFER_KEYS.endCall, SYSTEM.deskUnavailable)],
      SYSTEM.deskUnavailable,
      SYSTEM.deskClosed,
    ),
  };
  // The turn checks the numbers (step.ts: advance): the caller's own is offered only when the desk may call it,
  // and a keyed number the desk may not call is asked for again before it is read back.
  states[SYSTEM.callbackNumber] = {
    on: {
      ...keypad(
        SYSTEM.callbackNumber,
        flow,
        [
          go('1', SYSTEM.callbackBooking, ['forgetNumber']),
          go('2', SYSTEM.callbackKeyed),
          // A number said straight away ("call me at 204 555 0123"): read back for confirmation, as a keyed one.
          { guard: 'phoneNumberKeyed', target: SYSTEM.callbackConfirm, actions: ['keepNumber', 'enterNode'] },
        ],
        SYSTEM.deskUnavailable,
        SYSTEM.bsdRequest,
      ),
      NUMBER_UNFIT: [{ target: SYSTEM.callbackKeyed, actions: ['callerNumberUnfit'] }],
    },
  };
  states[SYSTEM.callbackKeyed] = {
    on: keypad(
      SYSTEM.callbackKeyed,
      flow,
      [{ guard: 'phoneNumberKeyed', target: SYSTEM.callbackConfirm, actions: ['keepNumber', 'enterNode'] }],
      SYSTEM.deskUnavailable,
      SYSTEM.bsdRequest,
    ),
  };
  states[SYSTEM.callbackConfirm] = {
    on: {
      ...keypad(
        SYSTEM.callbackConfirm,
        flow,
        [go('1', SYSTEM.callbackBooking), go('2', SYSTEM.callbackKeyed, ['forgetNumber'])],
        SYSTEM.deskUnavailable,
        SYSTEM.bsdRequest,
      ),
      NUMBER_UNFIT: [{ target: SYSTEM.callbackKeyed, actions: ['keyedNumberUnfit'] }],
    },
  };
  states[SYSTEM.callbackBooking] = {
    entry: ['askCallback'],
    on: {
      ACTION: [
        { guard: 'actionDone', target: SYSTEM.callbackBooked, actions: ['settled'] },
        { target: SYSTEM.deskUnavailable, actions: ['settled', 'callbackFailed'] },
      ],
    },
  };
  states[SYSTEM.textDesk] = {
    entry: ['askTextDesk'],
    on: {
      ACTION: [
        { guard: 'actionDone', target: SYSTEM.textQueued, actions: ['settled'] },
        { target: SYSTEM.deskUnavailable, actions: ['settled'] },
      ],
    },
  };
  states[SYSTEM.callbackBooked] = { type: 'final' };
  states[SYSTEM.textQueued] = { type: 'final' };
  states[SYSTEM.deskUnavailable] = {
    // Star repeats the number and the reference, 9 goes back to the menu; anything else, or silence, says goodbye.
    on: {
      KEY: [
        go(GLOBAL_KEYS.repeat, SYSTEM.deskUnavailable, [], true),
        go(GLOBAL_KEYS.mainMenu, flow.start, [], true),
        { target: SYSTEM.goodbye },
      ],
      SILENCE: [{ target: SYSTEM.goodbye }],
      NOT_UNDERSTOOD: [{ target: SYSTEM.goodbye }],
      CONFIRM: [{ actions: ['askConfirm'] }],
      // "No" to "did you say repeat?": the number and the reference again.
      REFUSE: [{ target: SYSTEM.deskUnavailable, reenter: true, actions: ['enterNode'] }],
    },
  };
  states[SYSTEM.afterDesk] = { type: 'final' };
  states[SYSTEM.goodbye] = { type: 'final' };
  recordPath(states);

  const machine = callMachineSetup.createMachine({
    id: flow.id,
    initial: flow.start,
    context: ({ input }: { input: CallInput }): CallContext => startingContext(input.reference),
    // Wherever else the caller asked for a text message (the steps): say how it went, and stay.
    on: { ACTION: [{ actions: ['settled'] }] },
    states,
  });
  // What a node's keys do: its kind and where each key leads. Wording is left out: a reworded question whose keys
  // lead where they did means the same to a caller who heard the old words; a transfer or an end has no keys.
  const nodeVersions: Record<string, string> = {};
  for (const id of Object.keys(states)) {
    const node = flow.nodes[id];
    const shape = node === undefined ? 'system' : JSON.stringify([node.type, edgesOf(node).map((e) => [e.key, e.to])]);
    nodeVersions[id] = createHash('sha256').update(shape).digest('hex').slice(0, 12);
  }
  return { ...loaded, machine, nodeVersions, transferStates };
}

export type CallMachine = ReturnType<typeof callMachineSetup.createMachine> & AnyStateMachine;
