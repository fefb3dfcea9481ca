/**
 * Password checks running at once in this process. Each scrypt check takes its 32 MiB and a core for about a
 * third of a second (on the libuv thread pool, off the event loop): a flood of sign-ins would otherwise take every
 * core from the webhooks. A few slots, some of them kept for agents this browser has seen sign in before (their
 * device cookie), so that a flood of strangers cannot take them all; a short queue before each kind, and anything
 * beyond it refused at once.
 */
export interface SlotLimits {
  /** Checks at once in this process, both kinds together. */
  slots: number;
  /** Of these, how many only a known device may use. */
  reserved: number;
  /** Attempts of each kind that may wait for a slot; beyond, refused at once. */
  maxQueued: number;
  /** The longest an attempt waits for a slot before it is refused. */
  maxWaitMs: number;
  /**
   * Checks a minute in this process that are not an agent's (no device cookie, an address no agent has signed in
   * from); beyond, refused as busy before the form is read. Without it, only `slots` bounds them.
   */
  openChecksPerMinute?: number;
}

interface Waiter {
  known: boolean;
  grant: () => void;
  timer: NodeJS.Timeout;
}

export class CheckSlots {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly limits: SlotLimits) {}

  /** Checks running now. */
  get inUse(): number {
    return this.running;
  }

  private free(known: boolean): boolean {
    const room = known ? this.limits.slots : this.limits.slots - this.limits.reserved;
    return this.running < room;
  }

  /** Whether `acquire` could give a slot now or queue for one: when not, the attempt is refused before any other work. */
  hasRoom(known: boolean): boolean {
    return this.free(known) || this.queue.filter((w) => w.known === known).length < this.limits.maxQueued;
  }

  /** A slot for one check: resolves with its release, or with null when none came within the wait (or the queue is full). */
  acquire(known: boolean): Promise<(() => void) | null> {
    if (this.free(known) && !this.queue.some((w) => w.known || !known)) return Promise.resolve(this.take());
    if (this.queue.filter((w) => w.known === known).length >= this.limits.maxQueued) return Promise.resolve(null);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        known,
        grant: () => {
          clearTimeout(waiter.timer);
          resolve(this.take());
        },
        timer: setTimeout(() => {
          this.queue.splice(this.queue.indexOf(waiter), 1);
          resolve(null);
        }, this.limits.maxWaitMs),
      };
      this.queue.push(waiter);
    });
  }

  private take(): () => void {
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.next();
    };
  }

  /** Known devices first, then the others in the order they came. */
  private next(): void {
    for (const known of [true, false]) {
      const i = this.queue.findIndex((w) => w.known === known);
      if (i >= 0 && this.free(known)) {
        const [waiter] = this.queue.splice(i, 1);
        waiter!.grant();
        return;
      }
    }
  }
}
