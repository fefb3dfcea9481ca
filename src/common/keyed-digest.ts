import { createHmac } from 'node:crypto';

/**
 * A digest of something the line must not keep or log as it is (a caller's number, a name typed at sign-in), keyed
 * with a secret the line holds (the Twilio auth token): without the key nobody can test guesses against it, as
 * anyone could against a plain SHA-256 of a ten-digit number. `purpose` keeps the digests of one use from matching
 * another's. Hexadecimal, `length` characters (16 by default: 64 bits, far from any collision at the line's volume).
 */
export function keyedDigest(key: string, purpose: string, value: string, length = 16): string {
  return createHmac('sha256', key).update(purpose).update('\0').update(value).digest('hex').slice(0, length);
}
