import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { PASSWORD_HASH } from '../../common/desk-config';

/**
 * Desk passwords are hashed with scrypt (node:crypto), memory-hard. The hash carries its own parameters and salt,
 * `scrypt.<log2 N>.<r>.<p>.<salt>.<key>` (base64url), so that the cost can be raised later without breaking the
 * hashes already given out. The default is one of OWASP's scrypt settings: N = 2^15 (32 MiB), r = 8, p = 3.
 */
export interface ScryptCost {
  log2N: number;
  r: number;
  p: number;
}

export const DEFAULT_COST: ScryptCost = { log2N: 15, r: 8, p: 3 };

const KEY_BYTES = 32;
const SALT_BYTES = 16;

/** node:crypto's scrypt, on libuv's thread pool; src/desk/sign-in/scrypt-pool.ts gives one on low-priority threads. */
export type Scrypt = (
  password: string,
  salt: Buffer,
  keylen: number,
  options: Required<Pick<ScryptOptions, 'N' | 'r' | 'p' | 'maxmem'>>,
) => Promise<Buffer>;

const libuvScrypt: Scrypt = (password, salt, keylen, options) =>
  new Promise((resolve, reject) => scrypt(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))));

function derive(password: string, salt: Buffer, cost: ScryptCost, run: Scrypt = libuvScrypt): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  // scrypt needs 128 * N * r bytes; node refuses more than maxmem (32 MiB by default), so allow what the cost asks.
  return run(password.normalize('NFC'), salt, KEY_BYTES, { N, r: cost.r, p: cost.p, maxmem: 128 * N * cost.r + 1024 * 1024 });
}

/** A new hash of `password`, with a fresh random salt. */
export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost);
  return ['scrypt', cost.log2N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('.');
}

interface ParsedHash {
  cost: ScryptCost;
  salt: Buffer;
  key: Buffer;
}

export function parseHash(hash: string): ParsedHash | null {
  if (!PASSWORD_HASH.test(hash)) return null;
  const [, log2N, r, p, salt, key] = hash.split('.');
  return {
    cost: { log2N: Number(log2N), r: Number(r), p: Number(p) },
    salt: Buffer.from(salt!, 'base64url'),
    key: Buffer.from(key!, 'base64url'),
  };
}

/** Whether `password` is the one `hash` was made from; compared in constant time. False for a malformed hash. */
export async function verifyPassword(password: string, hash: string, run?: Scrypt): Promise<boolean> {
  const parsed = parseHash(hash);
  if (parsed === null) return false;
  const key = await derive(password, parsed.salt, parsed.cost, run);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}
