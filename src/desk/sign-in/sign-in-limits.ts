import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * How failed sign-ins are slowed down: rate-limiter-flexible's login protection. Failures in a row are counted per
 * name and address together, so that a stranger's failures never hold back the right password from another
 * address; past a few, that name from that address waits, longer each time; and one address gets a number of
 * failures a day whatever the names. Each attempt takes its point before the password is checked (one atomic
 * increment in the store), so parallel guesses cannot check more than the limit allows.
 */
export interface SignInPolicy {
  /** Wrong passwords in a row for one name from one address that are checked before it must wait. */
  freeFailures: number;
  /** The first wait after those; each later one doubles, up to `maxWaitSeconds`. */
  firstWaitSeconds: number;
  maxWaitSeconds: number;
  /** How long failures in a row (and how many waits there were) are remembered without a new failure. */
  memorySeconds: number;
  /** Wrong sign-ins from one address in a day, any names: an office behind one address has room. */
  maxPerAddressPerDay: number;
}

export const SIGN_IN_POLICY: SignInPolicy = {
  freeFailures: 5,
  firstWaitSeconds: 60,
  maxWaitSeconds: 60 * 60,
  memorySeconds: 24 * 60 * 60,
  maxPerAddressPerDay: 100,
};

const DAY_SECONDS = 24 * 60 * 60;

/** What the limits say of an attempt before its password is checked. */
export type Verdict = { go: true; reservation: string } | { go: false; retryAfterSeconds: number; by: 'name-and-address' | 'address' };

/**
 * Makes a limiter of rate-limiter-flexible named `name` (its keys' prefix): the backend's, on the line's Redis (shared
 * by every instance) or in this process's memory.
 */
export type MakeLimiter = (options: { name: string; points: number; duration: number }) => RateLimiterAbstract;

export class SignInLimits {
  /** Failures in a row per name and address; the point of an attempt is taken before its check. */
  private readonly inARow: RateLimiterAbstract;
  /** How many waits a name and address has had: each doubles the next. */
  private readonly waits: RateLimiterAbstract;
  /** Failures per address a day. */
  private readonly perAddress: RateLimiterAbstract;

  constructor(
    limiter: MakeLimiter,
    private readonly policy: SignInPolicy = SIGN_IN_POLICY,
  ) {
    const make = (name: string, points: number, duration: number) => limiter({ name: `desk:sign-in:${name}`, points, duration });
    this.inARow = make('in-a-row', policy.freeFailures, policy.memorySeconds);
    this.waits = make('waits', 1_000_000, policy.memorySeconds);
    this.perAddress = make('address', policy.maxPerAddressPerDay, DAY_SECONDS);
  }

  private waitFor(waitsSoFar: number): number {
    return Math.min(this.policy.maxWaitSeconds, this.policy.firstWaitSeconds * 2 ** Math.max(0, waitsSoFar - 1));
  }

  /**
   * Before a check: refused while this address has used its day, or this name and address waits; otherwise the
   * attempt's point is taken (`reservation`), to be given back by `notChecked`, forgiven by `succeeded` or kept by
   * `failed`. `key` is the name and address together (a keyed digest: no name is stored as typed).
   */
  async before(key: string, address: string): Promise<Verdict> {
    const day = await this.perAddress.get(address);
    if (day !== null && day.consumedPoints >= this.policy.maxPerAddressPerDay)
      return { go: false, by: 'address', retryAfterSeconds: seconds(day.msBeforeNext) };
    try {
      await this.inARow.consume(key);
      return { go: true, reservation: key };
    } catch (refused) {
      if (!(refused instanceof RateLimiterRes)) throw refused;
      if (refused.consumedPoints === this.policy.freeFailures + 1) {
        // The attempt that found the free ones used: the wait starts now, longer than the last one.
        const waited = await this.waits.consume(key).catch((r: unknown) => r);
        const wait = this.waitFor(waited instanceof RateLimiterRes ? waited.consumedPoints : 1);
        await this.inARow.block(key, wait);
        return { go: false, by: 'name-and-address', retryAfterSeconds: wait };
      }
      const waitsSoFar = (await this.waits.get(key))?.consumedPoints ?? 1;
      return { go: false, by: 'name-and-address', retryAfterSeconds: Math.min(seconds(refused.msBeforeNext), this.waitFor(waitsSoFar)) };
    }
  }

  /** The password was not checked (no slot for it): its point is given back. */
  async notChecked(reservation: string): Promise<void> {
    await this.inARow.reward(reservation);
  }

  /** A wrong password (or an unknown name): its point is kept, and the address's day counts one more. */
  async failed(_reservation: string, address: string): Promise<void> {
    await this.perAddress.penalty(address);
  }

  /** The right password: this name and address start afresh. The address's day keeps its failures. */
  async succeeded(reservation: string): Promise<void> {
    await Promise.all([this.inARow.delete(reservation), this.waits.delete(reservation)]);
  }
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
