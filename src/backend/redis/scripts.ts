import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis, RedisCommander, Result } from 'ioredis';
import type { AskResult, ClaimResult, CloseOutcome, CloseResult, WithdrawResult } from '../../requests/callbacks/callback-store';
import type { TakeResult } from '../../requests/texts/message-queue';

/**
 * The line's Lua scripts, each in lua/<name in kebab-case>.lua beside this file (a comment at its head says what it
 * does, its keys and arguments, and what it returns), and the number of keys each takes: 'given' when each call
 * gives it first (the text caps, one key per cap). Each is a command of that name on every client that
 * `defineScripts` was given, typed below.
 */
export const SCRIPTS = {
  // A call's session (session-store.ts).
  loadCall: 2,
  casSave: 1,
  restoreCall: 1,
  endCall: 2,
  // The desk's day, references and calls (desk-store.ts).
  deskRecord: 5,
  deskIndex: 1,
  deskRecordCall: 1,
  deskKeepCall: 1,
  // Callbacks (callback-store.ts).
  askCallback: 4,
  claimCallback: 1,
  closeCallback: 2,
  expireCallbacks: 1,
  withdrawCallback: 2,
  // A text message's limits (message-queue.ts) and the hour's caps (text-caps.ts).
  takeMessage: 2,
  giveBackMessage: 1,
  takeTextCaps: 'given',
  giveBackTextCaps: 'given',
  // The flow's insights (insights-store.ts).
  addInsights: 'given',
} as const satisfies Record<string, number | 'given'>;

export type ScriptName = keyof typeof SCRIPTS;

/** Each script's command is typed (below): the build fails on a script added to SCRIPTS without its type. */
type UntypedScripts = Exclude<ScriptName, keyof RedisCommander>;
const everyScriptTyped: [UntypedScripts] extends [never] ? true : UntypedScripts = true;
void everyScriptTyped;

/** Where the .lua files are: beside this file, whether it runs from src (jest, tsx) or from dist. */
export const LUA_DIR = join(__dirname, 'lua');

/** A script's file name: `casSave` is in cas-save.lua. */
export function scriptFile(name: string): string {
  return `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}.lua`;
}

interface Definition {
  name: string;
  keys: number | 'given';
  lua: string;
}

let definitions: Definition[] | undefined;

/** Every script with its text, read once. */
function scriptDefinitions(): Definition[] {
  definitions ??= Object.entries(SCRIPTS).map(([name, keys]) => ({
    name,
    keys,
    lua: readFileSync(join(LUA_DIR, scriptFile(name)), 'utf8'),
  }));
  return definitions;
}

const defined = new WeakSet<Redis | Cluster>();

/**
 * Makes every script a command of `client`, once however many stores share it. A duplicate of a client is a client
 * of its own: it needs this too.
 */
export function defineScripts<C extends Redis | Cluster>(client: C): C {
  if (defined.has(client)) return client;
  for (const { name, keys, lua } of scriptDefinitions())
    client.defineCommand(name, keys === 'given' ? { lua } : { numberOfKeys: keys, lua });
  defined.add(client);
  return client;
}

// The scripts' commands, on every client, pipeline and transaction (ioredis's way to type commands it is given).
declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** lua/load-call.lua: [version, JSON record], or ['ended', summary JSON]. */
    loadCall(sessionKey: string, summaryKey: string): Result<[string | null, string | null], Context>;
    /** lua/cas-save.lua: 1 when saved, 0 when not. */
    casSave(sessionKey: string, expected: number, json: string, ttl: number): Result<0 | 1, Context>;
    /** lua/restore-call.lua: 1 when stored, 0 when not. */
    restoreCall(sessionKey: string, version: number, json: string, ttl: number): Result<0 | 1, Context>;
    /** lua/end-call.lua: 1 ended now, 2 ended before, else the session as it is ([version, JSON] or []). */
    endCall(
      sessionKey: string,
      summaryKey: string,
      expected: number | '',
      json: string,
      summaryTtl: number,
      endedTtl: number,
    ): Result<1 | 2 | (string | null)[], Context>;

    /** lua/desk-record.lua: [attempt, the day's counts as [outcome, count, ...] or []]. */
    deskRecord(
      events: string,
      counted: string,
      counts: string,
      attempts: string,
      recorded: string,
      event: string,
      attemptOf: string,
      countOnce: string,
      outcome: string,
      keep: number,
      ttl: number,
      channel: string,
      publish: string,
      day: string,
      id: string,
    ): Result<[number, string[]], Context>;
    /** lua/desk-index.lua */
    deskIndex(key: string, callSid: string, ttl: number): Result<1, Context>;
    /** lua/desk-record-call.lua */
    deskRecordCall(key: string, event: string, keep: number, ttl: number): Result<1, Context>;
    /** lua/desk-keep-call.lua */
    deskKeepCall(key: string, ttl: number): Result<1, Context>;

    /** lua/add-insights.lua: [1, fields that failed] when added, [0, 0] when added before. */
    addInsights(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Result<[0 | 1, number], Context>;

    /** lua/ask-callback.lua */
    askCallback(
      item: string,
      open: string,
      number: string,
      hour: string,
      id: string,
      json: string,
      askedAt: number,
      ttl: number,
      attempt: string,
      limit: number | '',
    ): Result<AskResult, Context>;
    /** lua/claim-callback.lua */
    claimCallback(item: string, agent: string): Result<ClaimResult, Context>;
    /** lua/close-callback.lua */
    closeCallback(item: string, open: string, agent: string, outcome: CloseOutcome, at: number, id: string): Result<CloseResult, Context>;
    /** lua/expire-callbacks.lua: how many were taken off the open list. */
    expireCallbacks(open: string, before: number): Result<number, Context>;
    /** lua/withdraw-callback.lua */
    withdrawCallback(item: string, open: string, id: string, attempt: string, ttl: number): Result<WithdrawResult, Context>;

    /** lua/take-message.lua */
    takeMessage(call: string, day: string, limit: number, callTtl: number, dayTtl: number): Result<TakeResult, Context>;
    /** lua/give-back-message.lua: 1 when given back, 0 when not. */
    giveBackMessage(call: string): Result<0 | 1, Context>;
    /** lua/take-text-caps.lua: the number of keys, the keys, then the arguments. 0, or the first full cap (1-based). */
    takeTextCaps(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Result<number, Context>;
    /** lua/give-back-text-caps.lua: the number of keys, then the keys. 1 when given back, 0 when not. */
    giveBackTextCaps(numberOfKeys: number | string, ...keys: string[]): Result<0 | 1, Context>;
  }
}
