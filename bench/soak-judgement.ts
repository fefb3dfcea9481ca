/**
 * How the soak judges a line process's memory (bench/soak.ts): on what survives a full collection, read by the
 * memory probe (bench/memory-probe.ts) at intervals, never on resident memory, which swings by tens of megabytes with
 * V8's old generation filling with dead objects between major collections.
 */

/** One reading of one process, right after a forced full collection; megabytes (2^20 bytes). */
export interface MemorySample {
  /** Seconds since the calls began. */
  second: number;
  heapUsedMb: number;
  heapTotalMb: number;
  /** Memory of C++ objects bound to JS ones (Buffers' and ArrayBuffers' backing stores among them). */
  externalMb: number;
  arrayBuffersMb: number;
  rssMb: number;
  /** Resident memory outside V8's heap: RSS minus the heap's total (code, stacks, malloc'd memory, backing stores). */
  offHeapMb: number;
}

export interface MemoryBounds {
  /** Growth allowed of the heap used after a collection over the second half. */
  heapMb: number;
  /** Growth allowed of resident memory outside the heap (RSS - heapTotal) over the second half. */
  offHeapMb: number;
  /** Growth allowed of `external` over the second half. */
  externalMb: number;
}

/**
 * The bounds, from measured runs with every feature on (docs/performance.md, "The soak"; 2-core machine):
 * - the heap after a collection: in the 300 s run (two instances, 64 callers, about 190 calls a second) it grew from
 *   52 to 60 MB in the first minute (each instance's bounded cache of 5,000 recent calls filling, the calls' code
 *   compiled), then by 1.1 MB over the second half (61.8 to 63.6 MB: under 40 bytes a call). 2 MB is twice that;
 *   a deliberate leak of every request (bench/keep-every-request.ts) grows it by about 0.5 MB a second.
 * - outside the heap (RSS - heapTotal): single readings of that run ranged over 40 MB (74 to 114: pages the allocator
 *   has freed and the kernel not yet taken back), and the medians of five readings anywhere in its second half
 *   differed by up to 8.0 MB. 16 MB is twice that: a leak outside the heap of about 600 bytes a call over the
 *   default run's second half.
 * - `external` (Buffers' and ArrayBuffers' memory) stayed within 4.6-5.2 MB throughout: 2 MB.
 */
export const BOUNDS: MemoryBounds = { heapMb: 2, offHeapMb: 16, externalMb: 2 };

/** Runs shorter than this are reported, not judged: the heap is still being sized and the code compiled. */
export const MIN_JUDGED_SECONDS = 30;

export interface Judgement {
  judged: boolean;
  ok: boolean;
  /** Growth over the second half: the median of its last few readings less the median of its first few. */
  heapGrowthMb: number;
  offHeapGrowthMb: number;
  externalGrowthMb: number;
  /** Reported, not judged. */
  rssGrowthMb: number;
  /** The readings compared: `k` at each end of the second half, from `from` s to `to` s. */
  window: { from: number; to: number; k: number };
  reasons: string[];
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round = (mb: number) => Math.round(mb * 100) / 100;

/**
 * Judges one process's readings of a run of `seconds`: over its second half (the readings from `seconds / 2` on,
 * once caches have filled and V8 has sized its heap), the median of the first `k` readings is compared with the
 * median of the last `k` (k a third of them, 2 to 5): one reading taken in the middle of a burst cannot make or
 * hide a growth. Fails on the heap after a collection growing by more than `bounds.heapMb`, or memory outside the
 * heap (RSS - heapTotal, and `external`) by more than its bound.
 */
export function judgeMemory(samples: MemorySample[], seconds: number, bounds: MemoryBounds = BOUNDS): Judgement {
  const half = samples.filter((s) => s.second >= seconds / 2);
  const k = Math.max(2, Math.min(5, Math.floor(half.length / 3)));
  const first = half.slice(0, k);
  const last = half.slice(-k);
  const growth = (of: (s: MemorySample) => number) => (half.length < 2 * k ? 0 : round(median(last.map(of)) - median(first.map(of))));
  const result = {
    heapGrowthMb: growth((s) => s.heapUsedMb),
    offHeapGrowthMb: growth((s) => s.offHeapMb),
    externalGrowthMb: growth((s) => s.externalMb),
    rssGrowthMb: growth((s) => s.rssMb),
    window: { from: first[0]?.second ?? 0, to: last.at(-1)?.second ?? 0, k },
  };
  if (seconds < MIN_JUDGED_SECONDS || half.length < 2 * k)
    return {
      ...result,
      judged: false,
      ok: true,
      reasons: [`not judged: ${half.length} readings in the second half of a ${seconds} s run`],
    };
  const reasons: string[] = [];
  if (result.heapGrowthMb > bounds.heapMb) reasons.push(`heap after collection grew ${result.heapGrowthMb} MB (bound ${bounds.heapMb})`);
  if (result.offHeapGrowthMb > bounds.offHeapMb)
    reasons.push(`memory outside the heap grew ${result.offHeapGrowthMb} MB (bound ${bounds.offHeapMb})`);
  if (result.externalGrowthMb > bounds.externalMb)
    reasons.push(`external memory grew ${result.externalGrowthMb} MB (bound ${bounds.externalMb})`);
  return { ...result, judged: true, ok: reasons.length === 0, reasons };
}

/** A probe's reading (bytes) as a sample (MB) at `second`. */
export function sampleOf(
  second: number,
  reading: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number },
): MemorySample {
  const mb = (bytes: number) => round(bytes / 2 ** 20);
  return {
    second,
    heapUsedMb: mb(reading.heapUsed),
    heapTotalMb: mb(reading.heapTotal),
    externalMb: mb(reading.external),
    arrayBuffersMb: mb(reading.arrayBuffers),
    rssMb: mb(reading.rss),
    offHeapMb: mb(reading.rss - reading.heapTotal),
  };
}
