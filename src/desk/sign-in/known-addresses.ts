import { keyedDigest } from '../../common/keyed-digest';

/** How long an address stays known after the last sign-in from it. */
export const KNOWN_ADDRESS_DAYS = 30;

/** How often an instance reads again the addresses that the others have made known. */
const RELOAD_MS = 10_000;
/** Digests of addresses kept at most; past it, all are forgotten and made again as asked. */
const MAX_DIGESTS = 10_000;

/**
 * Where every instance's known addresses are kept, as keyed digests with the time each is known until (epoch ms):
 * the backend's (on Redis, one hash that expires with the last of its fields).
 */
export interface AddressBook {
  /** Keeps `digest` as known until `until`; the book itself lives at least `ttlMs` from now. */
  put(digest: string, until: number, ttlMs: number): Promise<void>;
  /** Every digest kept, with its time as a string of epoch ms. */
  all(): Promise<Record<string, string>>;
  drop(digests: string[]): Promise<void>;
}

export interface KnownAddressesOptions {
  /** Shared by every instance on the same backend; without it, only the sign-ins of this instance count. */
  book?: AddressBook;
  /** The line's secret, for the keyed digest an address is kept under (no address is stored as it is). */
  secret: string;
  ttlSeconds?: number;
  now?: () => number;
}

/**
 * Network addresses an agent has signed in from (an agent's right password, nothing else): a sign-in from one may
 * use the password check kept for agents, as a browser with a device cookie may, so that an office keeps signing in
 * from new browsers during a flood of strangers. Each is kept as a keyed digest with the time it is known until,
 * renewed by every sign-in from it, in the backend's address book, which each instance reads whole every few seconds
 * while it is asked, so that a flood from many addresses costs no round trip each. A sign-in on another instance
 * counts here at the next read.
 * A store that does not answer leaves what was last read.
 */
export class KnownAddresses {
  private readonly ttlSeconds: number;
  private readonly now: () => number;
  /** digest -> known until (epoch ms). */
  private known = new Map<string, number>();
  private loadedAt = -Infinity;
  private loading: Promise<void> | undefined;
  /** address -> its digest: a flood asks about the same addresses again and again, and an HMAC costs what a refusal does. */
  private readonly digests = new Map<string, string>();

  constructor(private readonly options: KnownAddressesOptions) {
    this.ttlSeconds = options.ttlSeconds ?? KNOWN_ADDRESS_DAYS * 24 * 60 * 60;
    this.now = options.now ?? Date.now;
  }

  private digest(address: string): string {
    let digest = this.digests.get(address);
    if (digest === undefined) {
      if (this.digests.size >= MAX_DIGESTS) this.digests.clear();
      digest = keyedDigest(this.options.secret, 'desk-address', address, 32);
      this.digests.set(address, digest);
    }
    return digest;
  }

  /** An agent signed in from `address`: known from now until `ttlSeconds` after. */
  async remember(address: string): Promise<void> {
    const until = this.now() + this.ttlSeconds * 1000;
    const digest = this.digest(address);
    this.known.set(digest, until);
    await this.options.book?.put(digest, until, this.ttlSeconds * 1000);
  }

  /** Whether an agent has signed in from `address` within `ttlSeconds` (on another instance: as last read). */
  async knows(address: string): Promise<boolean> {
    const now = this.now();
    if (this.options.book !== undefined && now - this.loadedAt >= RELOAD_MS) await (this.loading ??= this.load(now));
    return (this.known.get(this.digest(address)) ?? 0) > now;
  }

  /** Every instance's addresses, read whole; those past their time are dropped from the store too. */
  private async load(now: number): Promise<void> {
    const book = this.options.book!;
    try {
      const fields = await book.all();
      const known = new Map<string, number>();
      const expired: string[] = [];
      for (const [digest, until] of Object.entries(fields)) {
        if (Number(until) > now) known.set(digest, Number(until));
        else expired.push(digest);
      }
      // A sign-in here while the read was on its way is kept.
      for (const [digest, until] of this.known) if (until > (known.get(digest) ?? 0)) known.set(digest, until);
      this.known = known;
      if (expired.length > 0) await book.drop(expired);
    } catch {
      // Not answering: what was read last stands, and the next attempt reads again.
    } finally {
      this.loadedAt = now;
      this.loading = undefined;
    }
  }
}
