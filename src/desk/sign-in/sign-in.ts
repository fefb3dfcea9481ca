import { randomBytes } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { keyedDigest } from '../../common/keyed-digest';
import type { DeskUser } from '../../common/desk-config';
import { CheckSlots, type SlotLimits } from './check-slots';
import type { DeskSession, SignInSessions } from '../desk-store';
import { KnownAddresses } from './known-addresses';
import { parseHash, verifyPassword } from './password';
import { sharedScryptPool } from './scrypt-pool';
import { SignInLimits } from './sign-in-limits';
import { newToken, sameToken, TOKEN_SHAPE, tokenId } from './tokens';
import type { OidcSignIn } from './oidc';

/**
 * Password checks at once in this process: one for anyone, one more kept for agents: browsers and network addresses
 * an agent has signed in from (a scrypt check takes a core for about a third of a second; on two cores, the webhooks
 * keep the other). Checks for anyone else are also held to 12 a minute (4 s of a core): a flood of sign-ins from
 * strangers takes at most that from the calls, and a new agent's first sign-in still gets in when no flood runs.
 */
export const CHECK_SLOTS: SlotLimits = { slots: 2, reserved: 1, maxQueued: 8, maxWaitMs: 2000, openChecksPerMinute: 12 };
/** The key of the one budget of open checks in the process's memory limiter. */
const OPEN_CHECKS = 'open';

export type Attempt =
  | { ok: true; token: string; id: string; session: DeskSession; device: string }
  | { ok: false; why: 'wrong'; known: boolean }
  | { ok: false; why: 'locked'; retryAfterSeconds: number; by: 'name-and-address' | 'address'; known: boolean }
  | { ok: false; why: 'busy'; known: boolean };

export interface SignedIn {
  id: string;
  session: DeskSession;
}

export interface SignInsOptions {
  store: SignInSessions;
  users: DeskUser[];
  ttlSeconds: number;
  /** The line's secret (TWILIO_AUTH_TOKEN), for keyed digests: of a name and address, an account's hash, a device. */
  secret: string;
  limits: SignInLimits;
  /** Addresses agents have signed in from; by default in this process's memory. */
  knownAddresses?: KnownAddresses;
  slots?: SlotLimits;
  now?: () => number;
  /** Sign-in with the organisation's identity provider, when it is configured: it re-checks its own sign-ins. */
  oidc?: OidcSignIn;
  /** The password check (tests count its calls). */
  verify?: (password: string, hash: string) => Promise<boolean>;
}

/** Agents' accounts (DESK_USERS), their sign-ins (kept in the desk store) and the limits on failed sign-ins. */
export class SignIns {
  private readonly users: Map<string, string>;
  private readonly decoy: string;
  private readonly store: SignInSessions;
  private readonly limits: SignInLimits;
  private readonly slots: CheckSlots;
  /** Open checks a minute (rate-limiter-flexible, in this process's memory: what it protects is this process's CPU). */
  private readonly openChecks: RateLimiterMemory | undefined;
  private readonly knownAddresses: KnownAddresses;
  private readonly now: () => number;
  private readonly verify: (password: string, hash: string) => Promise<boolean>;

  constructor(private readonly options: SignInsOptions) {
    this.store = options.store;
    this.limits = options.limits;
    this.users = new Map(options.users.map((u) => [u.name, u.hash]));
    const slots = options.slots ?? CHECK_SLOTS;
    this.slots = new CheckSlots(slots);
    this.openChecks =
      slots.openChecksPerMinute === undefined ? undefined : new RateLimiterMemory({ points: slots.openChecksPerMinute, duration: 60 });
    this.knownAddresses = options.knownAddresses ?? new KnownAddresses({ secret: options.secret });
    this.now = options.now ?? Date.now;
    // Password checks on low-priority threads of their own, one per slot: they only take what the calls leave.
    const pool = sharedScryptPool(CHECK_SLOTS.slots);
    this.verify = options.verify ?? ((password, hash) => verifyPassword(password, hash, pool.scrypt));
    // An unknown name is checked against a hash of the same cost as a real one: its answer takes as long.
    const cost = parseHash(options.users[0]?.hash ?? '')?.cost ?? { log2N: 15, r: 8, p: 3 };
    this.decoy = ['scrypt', cost.log2N, cost.r, cost.p, randomBytes(16).toString('base64url'), randomBytes(32).toString('base64url')].join(
      '.',
    );
  }

  isUser(name: string): boolean {
    return this.users.has(name);
  }

  /** A digest of an account's password hash, kept in its sign-ins: a new password ends the sign-ins of the old. */
  private accountDigest(name: string): string | undefined {
    const hash = this.users.get(name);
    return hash === undefined ? undefined : keyedDigest(this.options.secret, 'desk-account', `${name}\0${hash}`, 32);
  }

  /** How an unknown name is logged: it may be a password typed in the wrong box, so only a keyed digest of it. */
  nameForLog(name: string): string {
    return keyedDigest(this.options.secret, 'sign-in-name', name, 12);
  }

  /** The device cookie of a browser that signed in as `name`: its attempts for that name get the kept slot. */
  deviceFor(name: string): string {
    return keyedDigest(this.options.secret, 'desk-device', name.toLowerCase(), 43);
  }

  /**
   * Whether an attempt from a browser with (or without) a device cookie, from `address`, would be refused as busy
   * whoever it is for: asked before the form is even read, so that a flood costs the line as little as it can. The
   * address is looked up only when the slot open to anyone has no room and the kept one has.
   */
  async busyFor(device: string | undefined, address: string): Promise<boolean> {
    if (this.slots.hasRoom(false) && (await this.openCheckLeft())) return false;
    if (!this.slots.hasRoom(true)) return true;
    return device === undefined && !(await this.knownAddresses.knows(address));
  }

  /** Whether this minute's open checks have room for one more. */
  private async openCheckLeft(): Promise<boolean> {
    if (this.openChecks === undefined) return true;
    const used = await this.openChecks.get(OPEN_CHECKS);
    return used === null || used.remainingPoints > 0;
  }

  /** Takes one of this minute's open checks; false when none is left. */
  private async takeOpenCheck(): Promise<boolean> {
    if (this.openChecks === undefined) return true;
    try {
      await this.openChecks.consume(OPEN_CHECKS);
      return true;
    } catch (refusal) {
      if (refusal instanceof RateLimiterRes) return false;
      throw refusal;
    }
  }

  /**
   * A sign-in attempt. The limits are asked first and refuse cheaply, before any password is checked; then a check
   * slot (the kept one for a browser with `device`, the cookie of an earlier sign-in as this name, or from an address
   * an agent has signed in from); then scrypt. A right password makes its address known.
   */
  async attempt(name: string, password: string, address: string, device?: string): Promise<Attempt> {
    const known = this.users.has(name);
    const key = keyedDigest(this.options.secret, 'sign-in-limit', `${name.toLowerCase()}\0${address}`, 32);
    const agent = (device !== undefined && sameToken(device, this.deviceFor(name))) || (await this.knownAddresses.knows(address));
    // Every slot taken and its queue full: refused before anything else, not even the limits' round trips.
    if (!this.slots.hasRoom(agent)) return { ok: false, why: 'busy', known };
    const verdict = await this.limits.before(key, address);
    if (!verdict.go) return { ok: false, why: 'locked', retryAfterSeconds: verdict.retryAfterSeconds, by: verdict.by, known };
    if (!agent && !(await this.takeOpenCheck())) {
      await this.limits.notChecked(verdict.reservation);
      return { ok: false, why: 'busy', known };
    }
    const release = await this.slots.acquire(agent);
    if (release === null) {
      await Promise.all([this.limits.notChecked(verdict.reservation), agent ? undefined : this.openChecks?.reward(OPEN_CHECKS, 1)]);
      return { ok: false, why: 'busy', known };
    }
    let right: boolean;
    try {
      right = await this.verify(password, this.users.get(name) ?? this.decoy);
    } finally {
      release();
    }
    if (!right || !known) {
      await this.limits.failed(verdict.reservation, address);
      return { ok: false, why: 'wrong', known };
    }
    await Promise.all([this.limits.succeeded(verdict.reservation), this.knownAddresses.remember(address)]);
    const token = newToken();
    const now = this.now();
    const session: DeskSession = {
      user: name,
      csrf: newToken(),
      createdAt: now,
      expiresAt: now + this.options.ttlSeconds * 1000,
      account: this.accountDigest(name)!,
    };
    const id = tokenId(token);
    await this.store.putSession(id, session, this.options.ttlSeconds);
    return { ok: true, token, id, session, device: this.deviceFor(name) };
  }

  /**
   * A stored sign-in while it holds, null otherwise: not expired; a password's with its account still there, with
   * the password it was made with; a provider's while the provider is configured and, once its re-check is due, the
   * provider renews it.
   */
  private async current(id: string, session: DeskSession | null): Promise<DeskSession | null> {
    if (session === null || session.expiresAt <= this.now()) return null;
    if (session.oidc !== undefined) {
      if (this.options.oidc === undefined) return null;
      return session.oidc.checkAt > this.now() ? session : this.options.oidc.recheck(id, session);
    }
    const account = this.accountDigest(session.user);
    return account !== undefined && session.account !== undefined && sameToken(session.account, account) ? session : null;
  }

  /** The sign-in a cookie's token belongs to, while it holds; null otherwise. */
  async find(token: string | undefined): Promise<SignedIn | null> {
    if (token === undefined || !TOKEN_SHAPE.test(token)) return null;
    const id = tokenId(token);
    const session = await this.current(id, await this.store.getSession(id));
    return session === null ? null : { id, session };
  }

  /** Whether a sign-in, by its id, still holds (the live page checks now and then). */
  async holds(id: string): Promise<boolean> {
    return (await this.current(id, await this.store.getSession(id))) !== null;
  }

  async signOut(id: string): Promise<void> {
    await this.store.deleteSession(id);
  }
}
