import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { audioSeconds, espeakInstalled, wavSeconds } from '../../src/timing/audio';
import { measureFlow, spokenTexts, withAudio } from '../../src/timing/measure';
import { estimateAgainstAudio } from '../../src/timing/report';
import { portalLogin, SPEAKING } from '../helpers/flows';
import { wav } from '../helpers/wav';

const soxi = spawnSync('soxi', ['-V0', '--help'], { stdio: 'ignore' }).error === undefined;
const soxiSeconds = (file: string) => Number(execFileSync('soxi', ['-D', file], { encoding: 'utf8' }));

describe('the seconds of a WAV file', () => {
  (soxi ? test : test.skip)('agrees with soxi -D on the same file (sox installed)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'wav-')), 'a.wav');
    writeFileSync(file, wav(3.25, 16000));
    expect(wavSeconds(wav(3.25, 16000))).toBeCloseTo(soxiSeconds(file), 4);
  });
});

// espeak-ng is a Debian package .ci/system-packages.sh installs; without it the audio is not measured.
(espeakInstalled() ? describe : describe.skip)('timing from audio (espeak-ng installed)', () => {
  test('each text is rendered and timed; a longer text takes longer, a text starting with a dash too', async () => {
    const short = 'Press 1.';
    const long = 'If that solved your problem, press 1. To hear these steps again, press 2.';
    const seconds = await audioSeconds([short, long, short, '- a dash first'], { wordsPerMinute: 175, language: 'en-US' });
    expect([...seconds.keys()].sort()).toEqual(['- a dash first', long, short].sort());
    expect(seconds.get(short)!).toBeGreaterThan(0.3);
    expect(seconds.get(long)!).toBeGreaterThan(2 * seconds.get(short)!);
    // At twice the rate, about half the time.
    const fast = await audioSeconds([long], { wordsPerMinute: 350, language: 'en-US' });
    expect(fast.get(long)! / seconds.get(long)!).toBeLessThan(0.7);
  });

  (soxi ? test : test.skip)('the WAV reader agrees with soxi -D on what espeak-ng writes (sox installed)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'wav-')), 'said.wav');
    execFileSync('espeak-ng', ['-s', '175', '-v', 'en-us', '-w', file, 'Your reference number is 3 6 1, 1 9 5.']);
    expect(wavSeconds(readFileSync(file))).toBeCloseTo(soxiSeconds(file), 3);
  });

  test('the estimate of the committed flow comes within a fifth of the audio on every path, and close on average', async () => {
    const timing = measureFlow(portalLogin(), { speaking: SPEAKING });
    const audio = withAudio(timing, await audioSeconds(spokenTexts(timing), { wordsPerMinute: 175, language: 'en-US' }));
    const d = estimateAgainstAudio(audio);
    expect(Math.abs(d.paths.meanShare)).toBeLessThan(0.1);
    expect(Math.abs(d.paths.maxShare)).toBeLessThan(0.2);
    expect(Math.abs(d.prompts.meanShare)).toBeLessThan(0.1);
  }, 60_000);
});
