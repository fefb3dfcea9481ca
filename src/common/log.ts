import pino, { type Logger } from 'pino';
import { LineWriter } from './log-writer';

export type { Logger };

/** "+18006052965" -> "+1******2965": enough to tell calls apart, not enough to call anyone back. */
export function maskPhone(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return value;
  const digits = value.replace(/\D/g, '');
  if (digits.length < 5) return '*'.repeat(value.length);
  const kept = value.startsWith('+1') ? 1 : 0; // the North American country code says little about the caller
  return `${value.startsWith('+') ? '+' : ''}${digits.slice(0, kept)}${'*'.repeat(digits.length - kept - 4)}${digits.slice(-4)}`;
}

/**
 * JSON logs on stdout. Tokens and signatures are redacted wherever they appear; phone numbers are masked where
 * they are logged (maskPhone), and never logged raw.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'portal-line' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        // Defence in depth: the line never logs these fields; a mistake that does is censored.
        paths: ['authToken', 'TWILIO_AUTH_TOKEN', 'signature', 'From', 'To', 'Caller', 'Called'],
        censor: '[redacted]',
      },
    },
    destination ?? stdoutWriter(),
  );
}

let stdout: LineWriter | undefined;

/** stdout, written once per turn of the event loop; whatever is held is written as the process exits. */
function stdoutWriter(): LineWriter {
  if (stdout === undefined) {
    const writer = new LineWriter({ fd: 1 });
    process.once('exit', () => writer.flushSync());
    stdout = writer;
  }
  return stdout;
}
