import { readFileSync } from 'node:fs';
import { BOUNDS, judgeMemory, median, MIN_JUDGED_SECONDS, sampleOf, type MemorySample } from '../../bench/soak-judgement';

/**
 * The soak's judgement of memory (bench/soak-judgement.ts), on made-up readings and on readings recorded from soak
 * runs with every feature on (test/fixtures/soak-samples.json: a line leaking every request, and the same line
 * without the leak; 30 s measured after 20 s of calls, 16 callers, one instance).
 */

/** Readings every `every` s over `seconds`: the heap after collection as `heap(t)`, RSS swinging as V8's does. */
function run(
  seconds: number,
  heap: (t: number) => number,
  options: { every?: number; offHeap?: (t: number) => number } = {},
): MemorySample[] {
  const every = options.every ?? 1;
  const samples: MemorySample[] = [];
  for (let t = every; t <= seconds; t += every) {
    const heapUsedMb = heap(t);
    // The old generation fills with dead objects between major collections: RSS saws up and down by 90 MB.
    const heapTotalMb = heapUsedMb + 10 + ((t * 7) % 90);
    const offHeapMb = options.offHeap?.(t) ?? 60 + Math.sin(t) * 2;
    samples.push({
      second: t,
      heapUsedMb,
      heapTotalMb,
      externalMb: 3,
      arrayBuffersMb: 1,
      rssMb: heapTotalMb + offHeapMb,
      offHeapMb,
    });
  }
  return samples;
}

test('median', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 2, 3])).toBe(2.5);
  expect(median([])).toBeNaN();
});

test('a flat heap passes, however far resident memory saws (RSS is reported, not judged)', () => {
  const judged = judgeMemory(
    run(300, (t) => 34 + ((t * 13) % 7) / 10, { every: 10 }),
    300,
  );
  expect(judged).toMatchObject({ judged: true, ok: true });
  expect(Math.abs(judged.heapGrowthMb)).toBeLessThan(1);
  expect(Math.abs(judged.rssGrowthMb)).toBeGreaterThan(10);
});

test('a heap that grows by 30 kB a second fails over the second half of the default run; by 3 kB a second, passes', () => {
  const leak = judgeMemory(
    run(300, (t) => 34 + t * 0.03, { every: 10 }),
    300,
  );
  expect(leak).toMatchObject({ judged: true, ok: false });
  expect(leak.reasons[0]).toMatch(/heap after collection grew 3\.\d+ MB \(bound 2\)/);
  expect(
    judgeMemory(
      run(300, (t) => 34 + t * 0.003, { every: 10 }),
      300,
    ),
  ).toMatchObject({ judged: true, ok: true });
});

test('one reading at either end of the second half cannot make a growth, or hide one', () => {
  const flat = run(300, () => 34, { every: 10 });
  flat.at(-1)!.heapUsedMb = 60;
  flat[15]!.heapUsedMb = 20;
  expect(judgeMemory(flat, 300)).toMatchObject({ ok: true, heapGrowthMb: 0 });
  const leak = run(300, (t) => 34 + t * 0.03, { every: 10 });
  leak.at(-1)!.heapUsedMb = 30;
  expect(judgeMemory(leak, 300).ok).toBe(false);
});

test('memory outside the heap that grows fails; its usual wander does not', () => {
  const growing = judgeMemory(
    run(300, () => 34, { every: 10, offHeap: (t) => 60 + t * 0.2 }),
    300,
  );
  expect(growing).toMatchObject({ ok: false });
  expect(growing.reasons[0]).toMatch(/memory outside the heap grew/);
  const wandering = judgeMemory(
    run(300, () => 34, { every: 10, offHeap: (t) => 60 + ((t * 37) % 11) - 5 }),
    300,
  );
  expect(wandering.ok).toBe(true);
});

test(`a run under ${MIN_JUDGED_SECONDS} s is reported, not judged`, () => {
  const short = judgeMemory(
    run(15, (t) => 34 + t, { every: 1 }),
    15,
  );
  expect(short).toMatchObject({ judged: false, ok: true });
  expect(short.heapGrowthMb).toBeGreaterThan(BOUNDS.heapMb);
});

test('a probe reading in bytes becomes a sample in MB, with what is outside the heap', () => {
  const mb = 2 ** 20;
  expect(sampleOf(12, { rss: 150 * mb, heapTotal: 90 * mb, heapUsed: 34.5 * mb, external: 3 * mb, arrayBuffers: mb })).toEqual({
    second: 12,
    heapUsedMb: 34.5,
    heapTotalMb: 90,
    externalMb: 3,
    arrayBuffersMb: 1,
    rssMb: 150,
    offHeapMb: 60,
  });
});

describe('readings recorded from soak runs', () => {
  const recorded = JSON.parse(readFileSync('test/fixtures/soak-samples.json', 'utf8')) as {
    seconds: number;
    leaking: MemorySample[][];
    sound: MemorySample[][];
  };

  test('the leaking line fails on each instance, on its heap', () => {
    for (const samples of recorded.leaking) {
      const judged = judgeMemory(samples, recorded.seconds);
      expect(judged).toMatchObject({ judged: true, ok: false });
      expect(judged.reasons.join('; ')).toMatch(/heap after collection grew/);
    }
  });

  test('the same line without the leak passes on each instance', () => {
    for (const samples of recorded.sound) expect(judgeMemory(samples, recorded.seconds)).toMatchObject({ judged: true, ok: true });
  });
});
