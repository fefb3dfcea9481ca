/**
 * Settings for demonstration calls (`npm run call -- --closed --texts`) and the transcripts made with them: the
 * same in the command and in the tests that check the transcripts.
 */

/** The desk's hours, and a clock at Friday 18:00 in Toronto: the desk is closed until Monday at 8 a.m. */
export const CLOSED_DESK = {
  env: { BSD_HOURS: 'Mon-Fri 08:00-17:00', BSD_TIMEZONE: 'America/Toronto' },
  now: new Date('2026-12-04T23:00:00Z'),
};

/**
 * Text messages offered, from a demonstration number, through a Twilio API that is not there (a closed local port):
 * the line queues them as it would, and the queue's tries fail quietly until the call ends. `npm run call -- --texts`
 * points TWILIO_API_URL at a stand-in of its own instead, which prints them (messages-stand-in.ts).
 */
export const TEXTS_ON = {
  env: {
    TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
    TWILIO_MESSAGING_FROM: '+15555550100',
    TWILIO_API_URL: 'http://127.0.0.1:9',
  },
};
