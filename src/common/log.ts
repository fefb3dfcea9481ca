import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout. Tokens and signatures are redacted wherever they appear; phone numbers are masked where
 * they are logged (maskedNumber, in phone.ts), and never logged raw.
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
    destination ?? stdoutDestination(),
  );
}

let stdout: pino.DestinationStream | undefined;

/** The most log bytes held while stdout is not taking them; beyond it lines are dropped, and counted. */
const MAX_HELD_BYTES = 16 * 1024 * 1024;

/**
 * stdout through pino's own destination (sonic-boom). Asynchronous: a write goes to Node's thread pool, and lines
 * logged meanwhile wait for the next one, so a stdout reader that is slow or stalled never holds up a webhook. pino writes whatever is held synchronously as the process exits, so a line logged just before
 * process.exit still gets out.
 */
function stdoutDestination(): pino.DestinationStream {
  if (stdout === undefined) stdout = logDestination({ fd: 1, maxLength: MAX_HELD_BYTES });
  return stdout;
}

/**
 * pino's destination on `fd`, written asynchronously. Lines that would make more than `maxLength` bytes wait are
 * dropped (sonic-boom's 'drop'); a line saying how many follows once the destination takes writes again.
 */
export function logDestination(options: { fd: number; maxLength: number }): pino.DestinationStream {
  // Lines are held until 4 KB or a quarter of a second, whichever comes first: fewer writes under load, a line
  // seen promptly when the line is quiet, and lines held at exit written in order (an exit during a write in
  // flight could put the held lines before it: main.ts waits for logger.flush before it exits).
  const destination = pino.destination({
    dest: options.fd,
    minLength: 4096,
    periodicFlush: 250,
    maxLength: options.maxLength,
    sync: false,
  });
  let dropped = 0;
  destination.on('drop', () => dropped++);
  destination.on('write', () => {
    if (dropped === 0) return;
    const note = {
      level: 40,
      time: new Date().toISOString(),
      service: 'portal-line',
      droppedLines: dropped,
      msg: 'log lines dropped: stdout was not taking them',
    };
    const count = dropped;
    dropped = 0;
    destination.write(`${JSON.stringify(note)}\n`);
    // Still full: the note itself was dropped, and the count carries on.
    if (dropped > 0) dropped += count - 1;
  });
  return destination;
}
