import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Timing speech from audio: each text rendered by espeak-ng (the Debian package `espeak-ng`) at the report's
 * rate, and measured from the WAV file it writes. A check on the word-count estimate, not a replacement for it:
 * the figures depend on the synthesizer and its version.
 */

const run = promisify(execFile);
const ESPEAK = 'espeak-ng';

/** Whether espeak-ng can be run here. */
export function espeakInstalled(): boolean {
  return spawnSync(ESPEAK, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The seconds of sound in a PCM WAV file: its data chunk's size over its bytes a second. */
export function wavSeconds(wav: Buffer): number {
  if (wav.length < 12 || wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE')
    throw new Error('not a WAV file');
  let byteRate: number | undefined;
  for (let at = 12; at + 8 <= wav.length;) {
    const id = wav.toString('ascii', at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    if (id === 'fmt ') byteRate = wav.readUInt32LE(at + 16);
    if (id === 'data') {
      if (byteRate === undefined || byteRate === 0) throw new Error('WAV file without a format before its data');
      // A stream written before its length was known says 0 or 0xFFFFFFFF: the data is then the rest of the file.
      const bytes = size === 0 || size === 0xffffffff || at + 8 + size > wav.length ? wav.length - at - 8 : size;
      return bytes / byteRate;
    }
    at += 8 + size + (size % 2); // chunks are padded to an even length
  }
  throw new Error('WAV file without a data chunk');
}

/** espeak-ng's name for a flow's language: en-US -> en-us. */
export const espeakVoice = (language: string) => language.toLowerCase();

/**
 * The seconds each text takes as espeak-ng says it at `wordsPerMinute`, two at a time (the synthesizer is
 * single-threaded). Rejects when espeak-ng fails.
 */
export async function audioSeconds(
  texts: readonly string[],
  options: { wordsPerMinute: number; language: string },
): Promise<Map<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'flows-timing-'));
  const seconds = new Map<string, number>();
  const queue = [...new Set(texts)].map((text, i) => ({ text, base: join(dir, String(i)) }));
  const worker = async () => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      // The text goes in a file (-f), so that one starting with a dash is not read as an option.
      writeFileSync(`${job.base}.txt`, job.text);
      const args = ['-s', String(Math.round(options.wordsPerMinute)), '-v', espeakVoice(options.language), '-w', `${job.base}.wav`];
      await run(ESPEAK, [...args, '-f', `${job.base}.txt`]);
      seconds.set(job.text, wavSeconds(readFileSync(`${job.base}.wav`)));
    }
  };
  try {
    await Promise.all([worker(), worker()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return seconds;
}
