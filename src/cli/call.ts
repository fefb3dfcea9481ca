import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { buildApp } from '../app';
import { CLOSED_DESK, TEXTS_ON } from '../simulator/demo-settings';
import { loadConfig, LOCAL_AUTH_TOKEN, normalBaseUrl } from '../common/config';
import { FlowRegistry } from '../engine/registry';
import { createLogger } from '../common/log';
import {
  fetchTransport,
  formatTranscript,
  parseSteps,
  placeCall,
  scripted,
  simulatedCallSid,
  type CallOptions,
  type Step,
  type Transport,
} from '../simulator/caller';
import { createBackend } from '../backend/connect';
import { startMessagesStandIn, textLine, type StandInMessage } from '../simulator/messages-stand-in';
import { fail, parseOptions } from './args';
import { localAnnouncement, tidyWords, wordsProblem } from '../announcement/announcement';

const USAGE = `Usage: npm run call -- [options]

Places a call to the line as Twilio would: signed webhooks, TwiML followed verb by verb, the whisper shown as
the agent hears it, then the status callback. Reads .env as npm start does (the environment wins).

  --keys LIST    scripted caller: keys pressed in order, e.g. 3,2,1; say:WORDS is a spoken answer, with an optional
                 confidence (say:password, say:password@0.4). "_" lets a question time out with no key;
                 answer, busy, no-answer or failed say how the desk answers the next transfer (default: answer);
                 hangup hangs up. Without --keys the call is interactive.
  --url URL      call a running line at URL (its PUBLIC_BASE_URL) instead of starting one in this process
  --token TOKEN  auth token to sign with, the running line's TWILIO_AUTH_TOKEN (default: TWILIO_AUTH_TOKEN from
                 the environment or .env, else the local development token)
  --seed TEXT    makes the CallSid, and so the reference number, repeatable (default: a fixed demo seed
                 with --keys, random otherwise)
  --width N      wrap the transcript at N columns (default 110; 0 to not wrap)
  --verbose      also print the line's own log lines (in-process only)
  --closed       in-process only: the desk keeps Mon-Fri 08:00-17:00 in America/Toronto and the line's clock is
                 Friday 18:00 there: the desk is closed until Monday
  --texts        in-process only: text messages are offered, and sent to a local stand-in for Twilio's Messages
                 API that prints each one (TEXT) instead of sending it: no Twilio account needed
  --announcement TEXT
                 in-process only: the desk's announcement is on with these words, said once after the greeting
                 (plain words; a key skips it); --announcement-then desk sends the caller straight to the desk
                 after it instead of the main menu`;

/** How long a text queued by the call's last turn may take to reach the stand-in once the call has ended. */
const TEXT_GRACE_MS = 300;

const DESK_KEYS: Record<string, Step> = {
  a: { kind: 'desk', outcome: 'answered' },
  b: { kind: 'desk', outcome: 'busy' },
  n: { kind: 'desk', outcome: 'no-answer' },
  f: { kind: 'desk', outcome: 'failed' },
};

/** Reads the caller's keys from the terminal. */
function interactive(): { next: CallOptions['next']; close: () => void } {
  const rl = createInterface({ input: process.stdin, terminal: false });
  // The line iterator buffers, so keys typed (or piped) ahead of a prompt are not lost.
  const lines = rl[Symbol.asyncIterator]();
  const next: CallOptions['next'] = async (at) => {
    for (;;) {
      const question =
        at.verb === 'Dial'
          ? '  the desk: [a]nswers, [b]usy, [n]o answer, [f]ails? '
          : '  press a key (0-9, *, #) or type what you say (word@0.4 for a low confidence), Enter for no key, q to hang up: ';
      process.stdout.write(question);
      const read = await lines.next();
      if (read.done === true) return null; // stdin closed: the caller hangs up
      const answer = String(read.value).trim().toLowerCase();
      if (!process.stdin.isTTY) process.stdout.write(`${answer}\n`);
      if (at.verb === 'Dial') {
        const step = DESK_KEYS[answer.slice(0, 1) || 'a'];
        if (step) return step;
      } else if (answer === 'q') return { kind: 'hangup' };
      else if (answer === '') return { kind: 'silence' };
      else if (/^[0-9*#]$/.test(answer)) return { kind: 'key', key: answer };
      else {
        // Anything else typed is what the caller says.
        try {
          return parseSteps(`say:${answer.replace(/,/g, ' ')}`)[0]!;
        } catch {
          // not a confidence from 0 to 1: ask again
        }
      }
    }
  };
  return { next, close: () => rl.close() };
}

/** Which token signs the calls, said without the token itself. */
function tokenSource(given: string | undefined, inEnvironment: boolean): { token: string; source: string } {
  if (given !== undefined) return { token: given, source: 'the token given with --token' };
  const fromEnv = process.env.TWILIO_AUTH_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, source: `TWILIO_AUTH_TOKEN from ${inEnvironment ? 'the environment' : '.env'}` };
  return { token: LOCAL_AUTH_TOKEN, source: 'the local development token (TWILIO_AUTH_TOKEN is not set here)' };
}

/** What to do about a line that refused this command's webhooks. */
function refusedAdvice(url: string, source: string, reason: string): string {
  // The line says which URL it checks signatures over, when the call was signed with its token over another one.
  const over = /It was signed over \S+, but the line checks signatures over \S+ \(its PUBLIC_BASE_URL, (\S+?)\)/.exec(reason);
  if (over !== null)
    return (
      `the line at ${url} refused the call (HTTP 403): it checks signatures over its PUBLIC_BASE_URL, ${over[1]}, not ${url}. ` +
      `Call it there (npm run call -- --url ${over[1]}), or start it with PUBLIC_BASE_URL=${url} (outside production an ` +
      `unset PUBLIC_BASE_URL is http://localhost and its PORT).`
    );
  if (/another Twilio account/.test(reason))
    return (
      `the line at ${url} refused the call (HTTP 403): ${reason}. It has TWILIO_ACCOUNT_SID set: set the same ` +
      `TWILIO_ACCOUNT_SID here (in the environment or .env) and the call is sent as from that account.`
    );
  return (
    `the line at ${url} refused the signature (HTTP 403): this call was signed with ${source}, over ${url}. ` +
    `The line checks it with its own TWILIO_AUTH_TOKEN (the local development token when it has none) over its ` +
    `PUBLIC_BASE_URL. Sign with the line's token: npm run call -- --url ${url} --token <the line's TWILIO_AUTH_TOKEN> ` +
    `(or set TWILIO_AUTH_TOKEN here, in the environment or .env), and give --url exactly as its PUBLIC_BASE_URL.`
  );
}

async function main(): Promise<void> {
  // Which variables the environment set, before .env adds its own: a 403 says where the token came from.
  const tokenInEnvironment = Boolean(process.env.TWILIO_AUTH_TOKEN?.trim());
  // A .env file in the working directory, as `npm start` reads it; variables already set in the environment win.
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { values } = parseOptions(
    {
      keys: { type: 'string' },
      url: { type: 'string' },
      token: { type: 'string' },
      seed: { type: 'string' },
      width: { type: 'string' },
      verbose: { type: 'boolean' },
      closed: { type: 'boolean' },
      texts: { type: 'boolean' },
      announcement: { type: 'string' },
      'announcement-then': { type: 'string' },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let steps: Step[] | undefined;
  try {
    steps = values.keys === undefined ? undefined : parseSteps(values.keys);
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
  const then = values['announcement-then'] ?? 'menu';
  if (then !== 'menu' && then !== 'desk') fail(`--announcement-then takes menu or desk, not '${then}'`, 2);
  if (values.announcement !== undefined) {
    if (values.url !== undefined)
      fail('--announcement is for the line in this process: turn one on from the desk page of a running line', 2);
    const problem = wordsProblem(values.announcement);
    if (problem !== undefined) fail(`--announcement: ${problem}`, 2);
  }
  const width = values.width === undefined ? 110 : Number(values.width);
  if (!Number.isInteger(width) || width < 0) fail('--width takes a whole number', 2);

  let baseUrl: string;
  let token: string;
  let accountSid = process.env.TWILIO_ACCOUNT_SID?.trim() || undefined;
  let signedWith: string | undefined;
  let stop = async () => undefined as void;
  if (values.url !== undefined) {
    if (!URL.canParse(values.url) || !/^https?:$/.test(new URL(values.url).protocol))
      fail(`--url takes the line's PUBLIC_BASE_URL, such as http://localhost:3000\n\n${USAGE}`, 2);
    // As the line normalises its PUBLIC_BASE_URL, so that both sign the same URL.
    baseUrl = normalBaseUrl(values.url);
    const signing = tokenSource(values.token, tokenInEnvironment);
    token = signing.token;
    signedWith = signing.source;
  } else {
    // Text messages go to a stand-in for Twilio's Messages API in this process, which prints them.
    const texts = values.texts
      ? await startMessagesStandIn((m: StandInMessage) => process.stdout.write(`${formatTranscript([textLine(m)], width)}\n`))
      : undefined;
    const config = loadConfig({
      ...process.env,
      REDIS_URL: '',
      PORT: '0',
      ...(values.closed ? CLOSED_DESK.env : {}),
      ...(texts === undefined ? {} : { ...TEXTS_ON.env, TWILIO_API_URL: texts.url }),
    });
    const flows = FlowRegistry.fromDir(config.FLOWS_DIR, config.ENTRY_FLOW);
    // Listen first: the app checks signatures against its public URL, which needs the port.
    const live = createServer();
    await new Promise<void>((resolve) => live.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(live.address() as AddressInfo).port}`;
    const logger = createLogger(values.verbose ? 'info' : 'silent');
    // REDIS_URL is empty: the backend is in memory.
    const backend = createBackend(config, logger);
    const line = buildApp({
      config: { ...config, PUBLIC_BASE_URL: baseUrl },
      backend,
      flows,
      logger,
      ...(values.closed ? { now: () => CLOSED_DESK.now } : {}),
    });
    live.on('request', line.app);
    if (values.announcement !== undefined) {
      // As the desk turns one on: every new call hears it, from this instance's copy.
      await backend.announcements.put(localAnnouncement(tidyWords(values.announcement), then));
      await line.announcements.refresh();
    }
    token = config.TWILIO_AUTH_TOKEN;
    accountSid = config.TWILIO_ACCOUNT_SID;
    stop = async () => {
      // A text the last turn queued is on its way to the stand-in: printed before the command ends.
      if (texts !== undefined) {
        await new Promise((r) => setTimeout(r, TEXT_GRACE_MS));
        await texts.idle();
        await texts.close();
      }
      live.closeAllConnections();
      await new Promise((r) => live.close(r));
      await line.close();
      await backend.close();
    };
  }

  let advice: string | undefined;
  const send = fetchTransport();
  const transport: Transport = async (webhook) => {
    const reply = await send(webhook);
    if (reply.status === 403 && signedWith !== undefined) advice ??= refusedAdvice(baseUrl, signedWith, reply.body);
    return reply;
  };
  const terminal = steps === undefined ? interactive() : undefined;
  const result = await placeCall({
    baseUrl,
    authToken: token,
    ...(accountSid === undefined ? {} : { accountSid }),
    transport,
    next: steps === undefined ? terminal!.next : scripted(steps),
    // A scripted call on the line in this process uses the documented calls' CallSid (their reference); a running
    // line remembers an ended call as ended, so each call to it gets a CallSid of its own unless --seed is given.
    callSid: simulatedCallSid(values.seed ?? (steps === undefined || values.url !== undefined ? undefined : 'portal-line-demo')),
    fallbackUrl: `${baseUrl}/voice/fallback`,
    // Printed as the call goes, so an interactive caller hears each prompt before answering it.
    onLine: (line) => process.stdout.write(`${formatTranscript([line], width)}\n`),
  });
  terminal?.close();
  await stop();
  if (result.errors.length > 0)
    fail(
      `\n${result.errors.length} problem(s) in this call:\n${result.errors.map((e) => `  ${e}`).join('\n')}${advice === undefined ? '' : `\n\n${advice}`}`,
    );
}

main().catch((error: unknown) => fail(`call failed: ${(error as Error).message}`));
