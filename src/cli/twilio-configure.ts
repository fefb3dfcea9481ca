import { existsSync } from 'node:fs';
import twilio from 'twilio';
import { z } from 'zod';
import { isLoopback, normalBaseUrl } from '../common/config';
import { E164, maskedNumber } from '../common/phone';
import { configureNumber, ConfigureError, detachTrunkHelp } from '../tools/twilio-number';
import { describeIssues, parseWith } from '../common/validation';
import { fail, parseOptions } from './args';

const USAGE = `Usage: npm run twilio:configure -- --number NUMBER [--dry-run]

Points a Twilio phone number at the line, through the Twilio REST API:
  voice URL        PUBLIC_BASE_URL/voice           (POST)
  fallback URL     PUBLIC_BASE_URL/voice/fallback  (POST)
  status callback  PUBLIC_BASE_URL/voice/status    (POST)
and removes a TwiML App from the number, which would override them. A number attached to a SIP trunk is left
unchanged and reported (exit status 1), with how to detach it: Twilio never calls the voice URL of such a number.

  --number NUMBER  the number in E.164 (+16045550100) or its SID (PN…)
  --dry-run        show what would change, change nothing

Needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL in the environment or .env, and a connection to
Twilio's API (api.twilio.com), --dry-run too: it reads the number's settings from there.`;

const env = z.object({
  TWILIO_ACCOUNT_SID: z
    .string({ error: 'must be set to the account SID (AC followed by 32 hex digits)' })
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be set to the account SID (AC followed by 32 hex digits)'),
  TWILIO_AUTH_TOKEN: z.string({ error: 'must be set to the account auth token' }).min(1, 'must be set to the account auth token'),
  PUBLIC_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'must be set to the public http(s) URL Twilio calls' })
    .refine((u) => !isLoopback(new URL(u).hostname), 'must be reachable from Twilio, not localhost')
    // The same URL the line checks signatures against, so the number is set to exactly that.
    .transform(normalBaseUrl),
});

/** How long each request to Twilio may take; `timeoutMs` is for tests. */
const TIMEOUT_MS = 20_000;

export async function main(
  argv = process.argv.slice(2),
  environment: NodeJS.ProcessEnv = process.env,
  { timeoutMs = TIMEOUT_MS }: { timeoutMs?: number } = {},
): Promise<number> {
  const { values } = parseOptions({ number: { type: 'string' }, 'dry-run': { type: 'boolean' } }, USAGE, argv);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.number === undefined || !(E164.test(values.number) || /^PN[0-9a-fA-F]{32}$/.test(values.number))) {
    process.stderr.write(`--number must be an E.164 number (+16045550100) or a phone number SID (PN…)\n\n${USAGE}\n`);
    return 2;
  }
  const parsed = parseWith(env, Object.fromEntries(Object.entries(environment).filter(([, v]) => v !== '')));
  if (!parsed.ok) {
    process.stderr.write(`cannot configure the number: ${describeIssues(parsed.issues)}\n`);
    return 2;
  }
  const { TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL } = parsed.value;
  const dryRun = values['dry-run'] === true;
  // A one-shot command gains nothing from keep-alive sockets, and without them it exits as soon as it is done.
  const client = twilio(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, { keepAlive: false, timeout: timeoutMs });
  try {
    const result = await configureNumber(client, values.number, PUBLIC_BASE_URL, dryRun);
    const name = `${maskedNumber(result.phoneNumber)} (${result.sid})`;
    if (result.trunkSid !== undefined) {
      process.stderr.write(
        `cannot configure the number: ${name} is attached to a SIP trunk; nothing was changed.\n${detachTrunkHelp(result.trunkSid, result.sid)}\n`,
      );
      return 1;
    }
    if (result.changes.length === 0) {
      process.stdout.write(`${name} already points at ${PUBLIC_BASE_URL}; nothing to change\n`);
      return 0;
    }
    process.stdout.write(`${dryRun ? 'would change' : 'changing'} ${name}:\n`);
    for (const c of result.changes) process.stdout.write(`  ${c.setting.padEnd(20)} ${c.from || '(none)'}  ->  ${c.to || '(none)'}\n`);
    process.stdout.write(result.applied ? 'done\n' : 'dry run: nothing was changed\n');
    return 0;
  } catch (error) {
    process.stderr.write(`cannot configure the number: ${error instanceof ConfigureError ? error.message : (error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  // A .env file in the working directory, as `npm start` reads it; variables already set in the environment win.
  if (existsSync('.env')) process.loadEnvFile('.env');
  main().then(
    (code) => process.exit(code),
    (error: unknown) => fail(String(error)),
  );
}
