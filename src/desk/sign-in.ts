import { createHash, randomBytes } from 'node:crypto';
import type { DeskUser } from '../common/desk-config';
import type { DeskSession, DeskStore } from './desk-store';
import { parseHash, verifyPassword } from './password';
import { newToken, TOKEN_SHAPE, tokenId } from './tokens';

/** How failed sign-ins are held back. Counters live in the store, so the limits hold across instances. */
export interface SignInPolicy {
  /** A counter's window starts at its first failure; it is locked from its limit until the window closes. */
  windowSeconds: number;
  /** Failures for one name (any address) before that name is locked. */
  maxPerName: number;
  /** Failures from one address (any name) before that address is locked: an office behind one address has room. */
  maxPerAddress: number;
  /** Password checks running at once in this process (each takes 32 MiB for a fifth of a second); beyond: busy. */
  maxConcurrent: number;
}

export const SIGN_IN_POLICY: SignInPolicy = { windowSeconds: 15 * 60, maxPerName: 5, maxPerAddress: 10, maxConcurrent: 4 };

export type Attempt =
  | { ok: true; token: string; id: string; session: DeskSession }
  /** `failures`: this name's failures in the window, this one included. */
  | { ok: false; why: 'wrong'; failures: number; known: boolean }
  | { ok: false; why: 'locked'; retryAfterSeconds: number; known: boolean }
  | { ok: false; why: 'busy'; known: boolean };

export interface SignedIn {
  id: string;
  session: DeskSession;
}

const counterOf = (kind: 'name' | 'address', value: string) =>
  `${kind}:${createHash('sha256').update(value).digest('base64url').slice(0, 32)}`;

/** Agents' accounts (DESK_USERS), their sign-ins (kept in the desk store) and the limits on failed sign-ins. */
export class SignIns {
  private readonly users: Map<string, string>;
  private readonly decoy: string;
  private checking = 0;
  private readonly now: () => number;

  constructor(
    private readonly store: DeskStore,
    users: DeskUser[],
    private readonly ttlSeconds: number,
    private readonly policy: SignInPolicy = SIGN_IN_POLICY,
    now: () => number = Date.now,
  ) {
    this.users = new Map(users.map((u) => [u.name, u.hash]));
    this.now = now;
    // An unknown name is checked against a hash of the same cost as a real one: its answer takes as long.
    const cost = parseHash(users[0]?.hash ?? '')?.cost ?? { log2N: 15, r: 8, p: 3 };
    this.decoy = ['scrypt', cost.log2N, cost.r, cost.p, randomBytes(16).toString('base64url'), randomBytes(32).toString('base64url')].join(
      '.',
    );
  }

  isUser(name: string): boolean {
    return this.users.has(name);
  }

  async attempt(name: string, password: string, address: string): Promise<Attempt> {
    const known = this.users.has(name);
    const counters = [counterOf('name', name.toLowerCase()), counterOf('address', address)];
    const [byName, byAddress] = await this.store.failures(counters);
    const locked = this.lockedFor(byName!.count, byAddress!.count, byName!.retryAfterSeconds, byAddress!.retryAfterSeconds);
    if (locked !== null) return { ok: false, why: 'locked', retryAfterSeconds: locked, known };
    if (this.checking >= this.policy.maxConcurrent) return { ok: false, why: 'busy', known };
    this.checking++;
    let right: boolean;
    try {
      right = await verifyPassword(password, this.users.get(name) ?? this.decoy);
    } finally {
      this.checking--;
    }
    if (!right || !known) {
      const [name2, address2] = await this.store.addFailure(counters, this.policy.windowSeconds);
      const lockedNow = this.lockedFor(name2!.count, address2!.count, name2!.retryAfterSeconds, address2!.retryAfterSeconds);
      if (lockedNow !== null) return { ok: false, why: 'locked', retryAfterSeconds: lockedNow, known };
      return { ok: false, why: 'wrong', failures: name2!.count, known };
    }
    // The name's failures are forgiven; the address's are not, or one account could clear the way to guess others.
    await this.store.clearFailures([counters[0]!]);
    const token = newToken();
    const now = this.now();
    const session: DeskSession = { user: name, csrf: newToken(), createdAt: now, expiresAt: now + this.ttlSeconds * 1000 };
    const id = tokenId(token);
    await this.store.putSession(id, session, this.ttlSeconds);
    return { ok: true, token, id, session };
  }

  /** Seconds until the lock ends, or null when neither counter has reached its limit. */
  private lockedFor(byName: number, byAddress: number, nameLeft: number, addressLeft: number): number | null {
    const waits = [
      ...(byName >= this.policy.maxPerName ? [nameLeft] : []),
      ...(byAddress >= this.policy.maxPerAddress ? [addressLeft] : []),
    ];
    return waits.length === 0 ? null : Math.max(1, ...waits);
  }

  /** The sign-in a cookie's token belongs to, while it lasts and its account exists; null otherwise. */
  async find(token: string | undefined): Promise<SignedIn | null> {
    if (token === undefined || !TOKEN_SHAPE.test(token)) return null;
    const id = tokenId(token);
    const session = await this.store.getSession(id);
    if (session === null || session.expiresAt <= this.now() || !this.users.has(session.user)) return null;
    return { id, session };
  }

  /** Whether a sign-in, by its id, still holds (the live page checks now and then). */
  async holds(id: string): Promise<boolean> {
    const session = await this.store.getSession(id);
    return session !== null && session.expiresAt > this.now() && this.users.has(session.user);
  }

  async signOut(id: string): Promise<void> {
    await this.store.deleteSession(id);
  }
}
