import type { Logger } from '../../common/log';

/** How often refused sign-ins are summed up in the log while they come. */
export const REFUSAL_LOG_INTERVAL_MS = 10_000;
/** Distinct addresses counted in one interval at most (a flood from more is "at least" that many). */
const MAX_ADDRESSES = 1_000;

/**
 * Sign-ins refused because every password-check slot they could use was taken: each counted (`counted`, a metric),
 * and one log line for each interval in which there were any, with how many and from how many addresses. A line per
 * refusal cost a flood's target about as much as the refusal itself; the summary says the same to whoever reads.
 */
export class RefusalTally {
  private refused = 0;
  private readonly addresses = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly counted: () => void = () => {},
    private readonly intervalMs = REFUSAL_LOG_INTERVAL_MS,
  ) {}

  add(address: string): void {
    this.counted();
    this.refused++;
    if (this.addresses.size < MAX_ADDRESSES) this.addresses.add(address);
    // The first refusal after a quiet interval is logged at once (a flood shows when it starts); the rest at the end
    // of each interval, until one passes without any.
    if (this.timer === undefined) {
      this.flush();
      this.tick();
    }
  }

  private tick(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.refused === 0) return;
      this.flush();
      this.tick();
    }, this.intervalMs);
    this.timer.unref();
  }

  private flush(): void {
    const addresses = this.addresses.size;
    const sample = this.addresses.values().next().value;
    this.logger.warn(
      {
        desk: 'sign-in-busy',
        refused: this.refused,
        addresses: addresses >= MAX_ADDRESSES ? `${MAX_ADDRESSES}+` : addresses,
        ...(addresses === 1 && { address: sample }),
      },
      'desk sign-ins refused: too many at once',
    );
    this.refused = 0;
    this.addresses.clear();
  }
}
