import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { twilioSender } from '../../src/requests/texts/twilio-sender';
import { startMessagesStandIn, type MessagesStandIn, type StandInMessage } from '../../src/simulator/messages-stand-in';

/**
 * Text messages without a Twilio account: the stand-in for Twilio's Messages API takes what the line's own sender
 * posts; `npm run call -- --texts` prints the texts it receives; the table in docs/trying-the-line.md lists every option.
 */

const ACCOUNT = `AC${'3'.repeat(32)}`;
const CALL = resolve('src/cli/call.ts');

function call(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(
      process.execPath,
      [require.resolve('tsx/cli'), CALL, ...args],
      { encoding: 'utf8', env: { PATH: process.env.PATH } },
      (error, stdout, stderr) => done({ status: error ? Number((error as { code?: number }).code) : 0, stdout, stderr }),
    ),
  );
}

describe('the stand-in for the Messages API', () => {
  let standIn: MessagesStandIn;
  const received: StandInMessage[] = [];
  beforeAll(async () => {
    standIn = await startMessagesStandIn((m) => received.push(m));
  });
  afterAll(() => standIn.close());

  test("takes a message as the line's sender posts it, and answers as Twilio does", async () => {
    const send = twilioSender({ accountSid: ACCOUNT, authToken: 'a'.repeat(32), apiUrl: standIn.url, from: '+15555550100' });
    const sid = await send({ id: 'CA1:desk', callSid: 'CA1', to: '+16135550123', body: 'Customer Portal login help.' });
    expect(sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(received).toEqual([{ To: '+16135550123', From: '+15555550100', Body: 'Customer Portal login help.' }]);
    await standIn.idle();
  });

  test('anything else gets the error Twilio would give', async () => {
    expect((await fetch(`${standIn.url}/2010-04-01/Accounts/${ACCOUNT}/Calls.json`, { method: 'POST' })).status).toBe(404);
    const bad = await fetch(`${standIn.url}/2010-04-01/Accounts/${ACCOUNT}/Messages.json`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'To=%2B16135550123&Body=hi',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 21602, status: 400 });
  });
});

test('npm run call -- --texts prints each text the line sends, the number masked', async () => {
  const result = await call(['--closed', '--texts', '--keys', '0,8', '--width', '0']);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const texts = result.stdout.split('\n').filter((l) => l.startsWith('TEXT'));
  expect(texts).toEqual([
    expect.stringMatching(
      /^TEXT {8}to \+1\*{6}0123: Customer Portal login help\. Your reference number is \d{6}\. Business Support Desk: 1-800-605-2965, hours: Mon-Fri 08:00-17:00 \(America\/Toronto\)$/,
    ),
  ]);
});

test("the table of npm run call's options in docs/trying-the-line.md lists every option the command takes", () => {
  const source = readFileSync(CALL, 'utf8');
  const usage = /const USAGE = `([\s\S]*?)`;/.exec(source)![1]!;
  const options = [...usage.matchAll(/^ {2}(--[a-z]+)/gm)].map((m) => m[1]!);
  expect(options).toEqual(expect.arrayContaining(['--keys', '--url', '--closed', '--texts']));
  const readme = readFileSync('docs/trying-the-line.md', 'utf8');
  const table = readme.slice(readme.indexOf('| `--keys LIST` |'), readme.indexOf('| `--help` | the usage |'));
  for (const option of options) expect({ option, inTable: table.includes(`| \`${option}`) }).toEqual({ option, inTable: true });
});
