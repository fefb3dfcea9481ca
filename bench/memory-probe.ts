import { createServer } from 'node:http';
import { isMainThread } from 'node:worker_threads';

/**
 * Preloaded into the soak's line processes (`node --expose-gc --require dist/bench/memory-probe.js dist/src/main.js`),
 * never into the line itself: answers GET on 127.0.0.1 at MEMORY_PROBE_PORT with the process's memory right after a
 * full collection (`gc()`, which --expose-gc gives), so that the soak judges what survives a collection and not how
 * full V8's old generation happens to be. Its server does not keep the process alive, and nothing here takes a heap
 * snapshot (which would grow the very heap being judged).
 */

export interface ProbeReading {
  /** process.memoryUsage() after gc(), in bytes. */
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** How long the collection took, ms. */
  gcMs: number;
}

const port = Number(process.env.MEMORY_PROBE_PORT);
const collect = (globalThis as { gc?: () => void }).gc;
// A preload runs in each worker thread too (the sign-in's password checks): the probe answers from the main thread.
if (isMainThread && Number.isInteger(port) && port > 0) {
  if (collect === undefined) throw new Error('memory-probe: run node with --expose-gc');
  const server = createServer((req, res) => {
    const started = performance.now();
    collect();
    const gcMs = performance.now() - started;
    const reading: ProbeReading = { ...process.memoryUsage(), gcMs };
    res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close' }).end(JSON.stringify(reading));
    req.resume();
  });
  server.listen(port, '127.0.0.1');
  server.unref();
}
