import type { Logger } from '../common/log';

/** How long a path, a reason or any other refused request's field may be in a log line. */
export const LOGGED_LENGTH = 100;

/** `value` cut to LOGGED_LENGTH characters, with a mark when it was longer. */
export function cut(value: string): string {
  return value.length <= LOGGED_LENGTH ? value : `${value.slice(0, LOGGED_LENGTH)}…`;
}

/** The path of a request URL: no query (a caller of the URL could put anything there) and no fragment. */
export function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  return cut(end === -1 ? url : url.slice(0, end));
}

export interface RefusalLogOptions {
  /** After the first refusal of a kind is logged, at most one line per this many milliseconds for that kind. */
  windowMs?: number;
  /** Kinds tracked at once; beyond that, refusals share one kind, so that varied reasons cannot grow the map. */
  maxKinds?: number;
  now?: () => number;
  /** Runs `flush` after `ms`; the timer must not keep the process alive. */
  schedule?: (flush: () => void, ms: number) => void;
  /** Told of every refusal, logged or not (a metric). */
  counted?: (status: number) => void;
}

interface Kind {
  /** When this kind last logged a line. */
  loggedAt: number;
  suppressed: number;
  /** The last suppressed refusal's fields, logged with the count. */
  last: Record<string, unknown>;
  flushing: boolean;
}

const MESSAGE = 'webhook refused';

/**
 * Warnings for refused webhooks, sampled per kind (status and reason): the first is logged, and within each
 * window the rest are counted and logged as one line with `suppressed: n`, so that a flood of forged or broken
 * requests cannot flood the log. Every refusal is told to `counted` (portal_line_webhooks_refused_total).
 */
export class RefusalLog {
  private readonly kinds = new Map<string, Kind>();
  private readonly windowMs: number;
  private readonly maxKinds: number;
  private readonly now: () => number;
  private readonly schedule: (flush: () => void, ms: number) => void;
  private readonly counted: ((status: number) => void) | undefined;

  constructor(
    private readonly logger: Logger,
    options: RefusalLogOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 10_000;
    this.maxKinds = options.maxKinds ?? 100;
    this.now = options.now ?? Date.now;
    this.schedule = options.schedule ?? ((flush, ms) => void setTimeout(flush, ms).unref());
    this.counted = options.counted;
  }

  /** Logs (or counts) a refusal; `fields` are cut to a short length. */
  refused(status: number, reason: string, fields: Record<string, string | undefined>): void {
    this.counted?.(status);
    const line: Record<string, unknown> = { status, reason: cut(reason) };
    for (const [name, value] of Object.entries(fields)) if (value !== undefined) line[name] = cut(value);
    let key = `${status} ${reason}`;
    if (!this.kinds.has(key) && this.kinds.size >= this.maxKinds) key = 'other';
    const kind = this.kinds.get(key);
    const now = this.now();
    if (kind === undefined || (now - kind.loggedAt >= this.windowMs && kind.suppressed === 0)) {
      this.kinds.set(key, { loggedAt: now, suppressed: 0, last: line, flushing: false });
      this.logger.warn(line, MESSAGE);
      return;
    }
    kind.suppressed++;
    kind.last = line;
    if (!kind.flushing) {
      kind.flushing = true;
      this.schedule(() => this.flush(key), Math.max(0, kind.loggedAt + this.windowMs - now));
    }
  }

  /** The summary line of a kind's suppressed refusals, if any. */
  private flush(key: string): void {
    const kind = this.kinds.get(key);
    if (kind === undefined) return;
    kind.flushing = false;
    if (kind.suppressed === 0) return;
    this.logger.warn({ ...kind.last, suppressed: kind.suppressed }, MESSAGE);
    kind.loggedAt = this.now();
    kind.suppressed = 0;
  }
}
