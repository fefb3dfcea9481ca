import { Worker } from 'node:worker_threads';
import type { Scrypt } from './password';

/**
 * scrypt on threads of its own, at the lowest priority (nice 19), so that password checks only ever take CPU the
 * webhooks leave: on Linux a thread's nice value is its own, and each worker sets its own. (crypto.scrypt's async
 * form runs on libuv's shared pool at the process's priority: a flood of sign-ins took the cores from the calls.)
 * The worker is plain JavaScript, evaluated: nothing to build or to find at run time.
 */
const WORKER = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
const { setPriority } = require('node:os');
try { setPriority(19); } catch {}
parentPort.on('message', (m) => {
  try {
    const key = scryptSync(m.password, Buffer.from(m.salt), m.keylen, m.options);
    parentPort.postMessage({ id: m.id, key });
  } catch (error) {
    parentPort.postMessage({ id: m.id, error: String((error && error.message) || error) });
  }
});`;

interface Job {
  id: number;
  resolve: (key: Buffer) => void;
  reject: (error: Error) => void;
}

/** `size` low-priority threads for scrypt; what comes while all are busy waits its turn (the caller bounds it). */
export class ScryptPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly waiting: { message: object; job: Job }[] = [];
  private started = 0;
  private nextId = 0;

  constructor(private readonly size: number) {}

  readonly scrypt: Scrypt = (password, salt, keylen, options) =>
    new Promise((resolve, reject) => {
      const job: Job = { id: this.nextId++, resolve, reject };
      const message = { id: job.id, password, salt: new Uint8Array(salt), keylen, options };
      const worker = this.idle.pop() ?? (this.started < this.size ? this.start() : undefined);
      if (worker === undefined) this.waiting.push({ message, job });
      else this.run(worker, message, job);
    });

  private start(): Worker {
    this.started++;
    const worker = new Worker(WORKER, { eval: true });
    worker.on('message', (m: { id: number; key?: Uint8Array; error?: string }) => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      if (job !== undefined) {
        if (m.key !== undefined) job.resolve(Buffer.from(m.key));
        else job.reject(new Error(`scrypt: ${m.error}`));
      }
      const next = this.waiting.shift();
      if (next === undefined) {
        // An idle worker does not keep the process alive; a busy one does, until its answer comes.
        worker.unref();
        this.idle.push(worker);
      } else this.run(worker, next.message, next.job);
    });
    worker.on('error', (error) => {
      // A worker that failed is replaced on the next check.
      this.started--;
      this.busy.get(worker)?.reject(error);
      this.busy.delete(worker);
    });
    return worker;
  }

  private run(worker: Worker, message: object, job: Job): void {
    worker.ref();
    this.busy.set(worker, job);
    worker.postMessage(message);
  }

  async close(): Promise<void> {
    await Promise.all([...this.idle, ...this.busy.keys()].map((w) => w.terminate()));
  }
}

let shared: ScryptPool | undefined;

/** The process's pool: every desk in this process (tests build many) shares its few threads. */
export function sharedScryptPool(size: number): ScryptPool {
  shared ??= new ScryptPool(size);
  return shared;
}
