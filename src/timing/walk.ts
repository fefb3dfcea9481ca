import type { CallEvent, DialProblem } from '../engine/call-machine';
import type { CompiledFlow } from '../engine/compile';
import type { Prompt, SpeakingContext } from '../engine/prompt';
import { advance, settle, startCall, type SavedCall, type Turn } from '../engine/step';

/**
 * Every path a caller can take through a flow, found by driving the call engine itself (startCall and advance)
 * with keys, silences and the desk's dial outcomes: nothing here knows what a node does.
 *
 * - At each question the caller presses each of 1 to 8 that moves the call on (0 too at the start of the call),
 *   and, as another path, presses nothing until the line moves on by itself (a reprompt, then a transfer).
 *   A key that leaves the call where it is (hear again, a wrong key) is not a path; nor are * and 9. Moves that
 *   lead the same way (any key, or none, after the desk's number is given) are one path.
 * - A transfer is an outcome where the desk answers. After 0 at the start node the desk is also walked busy and
 *   not answering, until the call ends: its words do not depend on which transfer it follows.
 * - A path never comes back to a state it was in (same node and same call context, the notes for the agent and
 *   the path recorded for the desk page aside). Back at a node it was at before (the desk's "try again?" after a redial), the caller does what they
 *   did there before, so a path is a caller's steady choice. While the desk is not answering, a path that would
 *   come back to a state it was in is an ending of its own, a loop: the line would redial without end. Elsewhere
 *   it is simply not walked further (another key leaves a cycle of the flow's own).
 */

export type Move = { kind: 'key'; key: string } | { kind: 'silence' } | { kind: 'dial'; outcome: DialProblem };

/** One answer of the line along a path: the prompt the caller hears, in the state it is said in. */
export interface Heard {
  state: string;
  prompt: Prompt;
}

export interface WalkedPath {
  /** What the caller (and the desk) did, in order. */
  moves: Move[];
  /** What the line said at each turn, the greeting first and the outcome's own prompt last. */
  heard: Heard[];
  /** Where the path ends: the state of the outcome, or, for a loop, the state it would come back to. */
  final: string;
  ending: 'transfer' | 'end' | 'loop';
  /** The whisper played to the agent, for a transfer the desk answers. */
  whisper?: string;
  /** The desk's answer on this path, when it did not take the call. */
  deskProblem?: DialProblem;
  /** Walked outside the desk's hours (after 0 at the start node): the desk-closed choice and what follows it. */
  deskClosed?: true;
  /**
   * The caller hears each prompt once: no reprompt, no wait, no retry (pressing nothing is fine where the line
   * then moves on). The outcome budgets hold these paths.
   */
  answeredOnce: boolean;
}

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8'];
const DESK_KEY = '0';
const DESK_PROBLEMS: DialProblem[] = ['busy', 'noAnswer'];
/** A line that never moves on after this many silences in one place is a loop. */
const MAX_SILENCES = 50;

/** Any CallSid: the reference it gives has six digits like every other. */
const CALL_SID = 'CA00000000000000000000000000000000';

interface Walker {
  turn: Turn;
  moves: Move[];
  heard: Heard[];
  /** The states this path was in (node and context without the notes). */
  seen: Set<string>;
  /** What the caller did at each node so far. */
  did: Map<string, Move>;
  desk?: DialProblem;
  closed?: true;
}

/** The number a caller keys where a whole phone number is asked for. */
const KEYED_NUMBER = '6135550123';
/** When the desk opens, on paths walked outside its hours: the words are as long as they usually are. */
const OPENS = { opens: 'tomorrow at 8 a.m. Eastern' };

/** Where a move at a question leads: the moves (one key, or the silences until the line moves on) and the turns. */
interface Attempt {
  moves: Move[];
  turns: Turn[];
  /** The states and contexts, notes included, that it goes through: the same for moves that lead the same way. */
  way: string;
}

/** A call's context without the record of its past (its path, the nodes it left): the steps of its path name the keys that led there. */
const ahead = (turn: Turn) => ({ ...turn.call.context, path: null, nodesLeft: null });
const identity = (turn: Turn) => JSON.stringify([turn.call.value, { ...ahead(turn), history: null }]);

function event(move: Move): CallEvent {
  if (move.kind === 'key') return { type: 'KEY', key: move.key };
  if (move.kind === 'silence') return { type: 'SILENCE' };
  return { type: 'DIAL', outcome: move.outcome };
}

/** Every path of `compiled` from the greeting to an outcome, in the order a caller would try the keys. */
export function walkFlow(compiled: CompiledFlow, speaking: SpeakingContext): WalkedPath[] {
  const paths: WalkedPath[] = [];
  const start = compiled.flow.start;
  const closedSpeaking: SpeakingContext = { ...speaking, closed: OPENS };
  const step = (turn: Turn, move: Move, closed = false) => {
    const saved: SavedCall = { flowVersion: compiled.version, nodeVersion: turn.nodeVersion, call: turn.call };
    const here = closed ? closedSpeaking : speaking;
    const next = advance(compiled, saved, event(move), here);
    // A callback or a text message the caller asked for: the line queues it in the same turn.
    return next.call.context.pending === null ? next : settle(compiled, next, 'queued', here);
  };
  const heard = (turn: Turn): Heard => ({ state: turn.call.value, prompt: turn.prompt });
  const record = (w: Walker, ending: WalkedPath['ending'], extra: Partial<WalkedPath> = {}) => {
    const nodes = w.heard.map((h) => h.state);
    paths.push({
      moves: w.moves,
      heard: w.heard,
      final: w.turn.call.value,
      ending,
      ...(w.desk === undefined ? {} : { deskProblem: w.desk }),
      ...(w.closed === undefined ? {} : { deskClosed: true as const }),
      answeredOnce: ending !== 'loop' && new Set(nodes).size === nodes.length,
      ...extra,
    });
  };

  /** Takes `moves` from `w`, then goes on from where they lead. */
  const go = (w: Walker, moves: Move[], next: Turn[], desk = w.desk) => {
    const seen = new Set(w.seen);
    const did = new Map(w.did);
    did.set(w.turn.call.value, moves[0]!);
    const heardNext = next.map(heard);
    for (const turn of next.slice(0, -1)) seen.add(identity(turn));
    const last = next.at(-1)!;
    const moved: Walker = {
      turn: last,
      moves: [...w.moves, ...moves],
      heard: [...w.heard, ...heardNext],
      seen,
      did,
      desk,
      ...(w.closed === undefined ? {} : { closed: w.closed }),
    };
    // Silence after silence and the line never moves on: it would wait without end.
    if (last.call.value === w.turn.call.value) return record(moved, 'loop');
    if (seen.has(identity(last))) {
      // While the desk is not answering, coming back means the line would redial without end: an ending to show.
      // Elsewhere it is a cycle of the flow's own, which the caller leaves with another key: not walked again.
      if (desk !== undefined) record(moved, 'loop');
      return;
    }
    seen.add(identity(last));
    visit(moved);
  };

  const visit = (w: Walker): void => {
    const { turn } = w;
    if (turn.done) return record(w, 'end');
    if (turn.prompt.kind === 'transfer') {
      if (w.desk !== undefined)
        return go(w, [{ kind: 'dial', outcome: w.desk }], [step(turn, { kind: 'dial', outcome: w.desk }, w.closed)]);
      record(w, 'transfer', { whisper: turn.prompt.whisper });
      const firstKey = w.moves.length === 1 && w.moves[0]!.kind === 'key' && w.moves[0]!.key === DESK_KEY;
      if (firstKey)
        for (const outcome of DESK_PROBLEMS) go(w, [{ kind: 'dial', outcome }], [step(turn, { kind: 'dial', outcome })], outcome);
      return;
    }
    const here = turn.call.value;
    const before = w.did.get(here);
    // Back at a node: the caller does what they did there before, unless the line no longer takes it.
    const again = before === undefined ? undefined : attempt(turn, before);
    if (again !== undefined) return go(w, again.moves, again.turns);
    const keys =
      turn.prompt.kind === 'ask' && turn.prompt.digits !== undefined
        ? [KEYED_NUMBER]
        : here === start && w.moves.length === 0
          ? [...KEYS, DESK_KEY]
          : KEYS;
    const tries = [...keys.map((key): Move => ({ kind: 'key', key })), { kind: 'silence' } as Move].flatMap(
      (move) => attempt(turn, move, w.closed) ?? [],
    );
    // Moves that lead the same way are one path: pressing nothing where it does, else the first key.
    const ways = new Map<string, Attempt>();
    for (const t of tries) {
      const known = ways.get(t.way);
      if (known === undefined || t.moves[0]!.kind === 'silence') ways.set(t.way, t);
    }
    for (const t of tries) if (ways.get(t.way) === t) go(w, t.moves, t.turns);
  };

  /**
   * What `move` does at the question `turn` is at: the turns it leads through until the call moves on (several
   * for silence, which may be asked again), or undefined when it leaves the call where it is (hear again, a wrong
   * key).
   */
  const attempt = (turn: Turn, move: Move, closed?: true): Attempt | undefined => {
    const here = turn.call.value;
    const turns: Turn[] = [];
    let now = turn;
    do turns.push((now = step(now, move, closed)));
    while (move.kind === 'silence' && now.call.value === here && turns.length < MAX_SILENCES);
    if (now.call.value === here && move.kind !== 'silence') return undefined;
    return { moves: turns.map(() => move), turns, way: JSON.stringify(turns.map((t) => [t.call.value, ahead(t)])) };
  };

  const first = startCall(compiled, CALL_SID, speaking);
  visit({ turn: first, moves: [], heard: [heard(first)], seen: new Set([identity(first)]), did: new Map() });
  // Outside the desk's hours, 0 at the start node: the desk-closed choice and every way on from it.
  const zero: Move = { kind: 'key', key: DESK_KEY };
  const closedStart: Walker = {
    turn: first,
    moves: [],
    heard: [heard(first)],
    seen: new Set([identity(first)]),
    did: new Map(),
    closed: true,
  };
  go(closedStart, [zero], [step(first, zero, true)]);
  return paths;
}
