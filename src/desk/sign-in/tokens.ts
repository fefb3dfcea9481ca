import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new secret token: 256 random bits, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** What a token is stored under: its SHA-256, so that the store never holds a usable token. */
export function tokenId(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Whether a token from a request is the expected one, compared in constant time. */
export function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 256) return false;
  // Hashed first, so that both sides have the same length whatever was sent.
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}
