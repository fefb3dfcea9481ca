import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pino from 'pino';
import { LineWriter } from '../../src/common/log-writer';

/** A destination that records each write and can be told to refuse or take part of one. */
function destination() {
  const writes: string[] = [];
  let answer: (buffer: Buffer) => number = (buffer) => buffer.length;
  return {
    writes,
    set(next: (buffer: Buffer) => number) {
      answer = next;
    },
    write: (_fd: number, buffer: Buffer) => {
      const n = answer(buffer);
      writes.push(buffer.subarray(0, n).toString('utf8'));
      return n;
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const errno = (code: string) => Object.assign(new Error(code), { code });

test('lines logged in one turn of the event loop go out together, in order, at its end', async () => {
  const dest = destination();
  const writer = new LineWriter({ write: dest.write });
  writer.write('one\n');
  writer.write('two\n');
  expect(dest.writes).toEqual([]);
  await turn();
  expect(dest.writes).toEqual(['one\ntwo\n']);
  writer.write('three\n');
  await turn();
  expect(dest.writes).toEqual(['one\ntwo\n', 'three\n']);
});

test('a destination that takes part of a write gets the rest straight after', async () => {
  const dest = destination();
  dest.set((buffer) => Math.min(3, buffer.length));
  const writer = new LineWriter({ write: dest.write });
  writer.write('abcdefgh\n');
  await turn();
  expect(dest.writes.join('')).toBe('abcdefgh\n');
  expect(dest.writes).toEqual(['abc', 'def', 'gh\n']);
});

test('a full destination (EAGAIN) is tried again later, never waited on, and nothing is lost or reordered', async () => {
  const dest = destination();
  let refusals = 2;
  dest.set((buffer) => {
    if (refusals > 0) {
      refusals--;
      throw errno('EAGAIN');
    }
    return buffer.length;
  });
  const writer = new LineWriter({ write: dest.write, retryMs: 5 });
  writer.write('first\n');
  await turn();
  expect(dest.writes).toEqual([]);
  writer.write('second\n'); // held behind the first, in order
  await new Promise((resolve) => setTimeout(resolve, 40));
  expect(dest.writes.join('')).toBe('first\nsecond\n');
});

test('beyond its limit it drops lines, and says how many once the destination takes them again', async () => {
  const dest = destination();
  let full = true;
  dest.set((buffer) => {
    if (full) throw errno('EAGAIN');
    return buffer.length;
  });
  const writer = new LineWriter({ write: dest.write, retryMs: 5, maxPendingBytes: 20 });
  writer.write('0123456789\n'); // 11 bytes held
  await turn();
  writer.write('0123456789\n'); // would make 22: dropped
  writer.write('abc\n'); // 15: held
  writer.write('0123456789\n'); // dropped
  full = false;
  await new Promise((resolve) => setTimeout(resolve, 40));
  const text = dest.writes.join('');
  expect(text.startsWith('0123456789\n')).toBe(true); // what was being written goes first
  const note = JSON.parse(text.split('\n')[1]!) as { level: number; droppedLines: number; msg: string };
  expect(note).toMatchObject({ level: 40, droppedLines: 2 });
  expect(note.msg).toMatch(/dropped/);
  expect(text.endsWith('abc\n')).toBe(true);
});

test('a destination that is gone (EPIPE) costs the lines, counted, and never throws into the caller', async () => {
  const dest = destination();
  let gone = true;
  dest.set((buffer) => {
    if (gone) throw errno('EPIPE');
    return buffer.length;
  });
  const writer = new LineWriter({ write: dest.write });
  writer.write('a\nb\n');
  writer.write('c\n');
  await turn();
  gone = false;
  writer.write('d\n');
  await turn();
  const lines = dest.writes.join('').trim().split('\n');
  expect(JSON.parse(lines[0]!)).toMatchObject({ droppedLines: 3 });
  expect(lines.slice(1)).toEqual(['d']);
});

test("pino's flush writes what is held before its callback runs", () => {
  const dest = destination();
  const logger = pino({ base: null, timestamp: false }, new LineWriter({ write: dest.write }));
  logger.info('held');
  expect(dest.writes).toEqual([]);
  let flushed = false;
  logger.flush(() => {
    flushed = true;
  });
  expect(flushed).toBe(true);
  expect(JSON.parse(dest.writes.join(''))).toMatchObject({ msg: 'held' });
});

test('the line logs to stdout, and a line logged just before the process exits still reaches it', () => {
  const script = `const { createLogger } = require(${JSON.stringify(join(__dirname, '../../src/common/log'))});
    const logger = createLogger('info');
    logger.info({ n: 1 }, 'first');
    logger.warn({ n: 2 }, 'last words');
    process.exit(3);`;
  const run = spawnSync(process.execPath, ['-r', require.resolve('tsx/cjs'), '-e', script], { encoding: 'utf8', timeout: 20_000 });
  expect(run.status).toBe(3);
  const lines = run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; service: string });
  expect(lines.map((l) => l.msg)).toEqual(['first', 'last words']);
  expect(lines[0]!.service).toBe('portal-line');
});
