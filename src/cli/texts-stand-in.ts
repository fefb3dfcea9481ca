import { formatTranscript } from '../simulator/caller';
import { startMessagesStandIn, textLine } from '../simulator/messages-stand-in';
import { fail, parseOptions } from './args';

const USAGE = `Usage: npm run texts:stand-in -- [--port N]

A local stand-in for Twilio's Messages API that prints each text message a running line sends, instead of sending
it: no Twilio account needed. Start the line with TWILIO_API_URL set to the URL it prints, and TWILIO_ACCOUNT_SID
and TWILIO_MESSAGING_FROM set to anything well formed (AC and 32 hex digits; an E.164 number). Ctrl-C stops it.
(npm run call -- --texts starts one of its own.)

  --port N   the port on 127.0.0.1 (default 4010)`;

async function main(): Promise<void> {
  const { values } = parseOptions({ port: { type: 'string' } }, USAGE);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = values.port === undefined ? 4010 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port takes a port number from 0 to 65535\n\n${USAGE}`, 2);
  const standIn = await startMessagesStandIn((m) => process.stdout.write(`${formatTranscript([textLine(m)], 110)}\n`), port);
  process.stdout.write(
    `Twilio Messages API stand-in at ${standIn.url}; start the line with:\n` +
      `  TWILIO_API_URL=${standIn.url} TWILIO_ACCOUNT_SID=AC${'0'.repeat(32)} TWILIO_MESSAGING_FROM=+15555550100 npm start\n`,
  );
  const stop = () => void standIn.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => fail(`the stand-in could not start: ${(error as Error).message}`));
