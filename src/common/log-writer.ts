import { writeSync } from 'node:fs';

type Write = (fd: number, buffer: Buffer) => number;

export interface LineWriterOptions {
  /** File descriptor written to: 1 (stdout) by default. */
  fd?: number;
  /**
   * Most held while the destination is not taking them, in bytes (lines not yet taken for writing count by their
   * length in characters); lines beyond are dropped and counted.
   */
  maxPendingBytes?: number;
  /** How long to wait before trying again when the destination is full (EAGAIN). */
  retryMs?: number;
  /** The write itself: fs.writeSync, or a stand-in in tests. */
  write?: Write;
}

/**
 * Where the line's log lines go: every line logged during one turn of the event loop, written together with one
 * write at the end of that turn.
 *
 * Writing each line as it comes cost the line more time than its call step: a write handed to Node's thread pool
 * per line (pino's asynchronous destination) comes back through the event loop, and under load every webhook paid
 * for one. Here a busy turn that answers a dozen webhooks writes once, and a line is never held past the turn it
 * was logged in.
 *
 * A destination that is full (a non-blocking pipe whose reader is behind: EAGAIN) is tried again a little later,
 * never waited on: callers are not kept waiting on a log reader. What waits is held up to `maxPendingBytes`;
 * beyond that lines are dropped, and a line saying how many follows once writing resumes. A destination that is
 * gone (EPIPE, say) drops lines the same way.
 */
export class LineWriter {
  private readonly fd: number;
  private readonly maxPendingBytes: number;
  private readonly retryMs: number;
  private readonly writeTo: Write;
  private pending: string[] = [];
  private pendingBytes = 0;
  /** The unwritten rest of a chunk the destination took only part of. */
  private rest: Buffer | null = null;
  private scheduled = false;
  private retry: NodeJS.Timeout | null = null;
  private dropped = 0;
  /** Bytes of a note of dropped lines still at the head of `rest`, and the count it reports. */
  private noteBytes = 0;
  private noteReports = 0;

  constructor(options: LineWriterOptions = {}) {
    this.fd = options.fd ?? 1;
    this.maxPendingBytes = options.maxPendingBytes ?? 16 * 1024 * 1024;
    this.retryMs = options.retryMs ?? 20;
    this.writeTo = options.write ?? writeSync;
  }

  /** pino calls this with each serialized line, newline included. */
  write(line: string): void {
    if (this.pendingBytes + (this.rest?.length ?? 0) + line.length > this.maxPendingBytes) {
      this.dropped++;
      return;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (!this.scheduled && this.retry === null) {
      this.scheduled = true;
      setImmediate(this.endOfTurn);
    }
  }

  private readonly endOfTurn = (): void => {
    this.scheduled = false;
    if (this.retry === null) this.flushSync();
  };

  /**
   * Writes everything held now. Returns true when all of it went out; when the destination is full, keeps the rest
   * and tries again after `retryMs`.
   */
  flushSync(): boolean {
    if (this.retry !== null) {
      clearTimeout(this.retry);
      this.retry = null;
    }
    for (;;) {
      if (this.rest === null && !this.take()) return true;
      let written: number;
      try {
        written = this.writeTo(this.fd, this.rest!);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
          this.retry = setTimeout(() => {
            this.retry = null;
            this.flushSync();
          }, this.retryMs);
          this.retry.unref();
          return false;
        }
        // Nowhere to write (the reader closed the pipe, the disk is full): these lines are lost, and counted.
        const lines = countLines(this.rest!);
        this.dropped += this.noteBytes > 0 ? this.noteReports + lines - 1 : lines;
        this.rest = null;
        this.noteBytes = 0;
        return false;
      }
      this.noteBytes = Math.max(0, this.noteBytes - written);
      this.rest = written >= this.rest!.length ? null : this.rest!.subarray(written);
    }
  }

  /** Moves what is held (and a note of lines dropped) into `rest`; false when there is nothing. */
  private take(): boolean {
    let note = '';
    if (this.dropped > 0) {
      note = `${JSON.stringify({ level: 40, time: new Date().toISOString(), service: 'portal-line', droppedLines: this.dropped, msg: 'log lines dropped: the log destination was not taking them' })}\n`;
      this.noteReports = this.dropped;
      this.noteBytes = note.length;
      this.dropped = 0;
    }
    if (note === '' && this.pending.length === 0) return false;
    this.rest = Buffer.from(note + (this.pending.length === 1 ? this.pending[0]! : this.pending.join('')), 'utf8');
    this.pending = [];
    this.pendingBytes = 0;
    return true;
  }

  /** pino's logger.flush(cb) lands here: whatever is held is written before `cb` runs. */
  flush(cb?: (error?: Error) => void): void {
    this.flushSync();
    cb?.();
  }
}

function countLines(buffer: Buffer): number {
  let lines = 0;
  for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) lines++;
  return Math.max(1, lines);
}
