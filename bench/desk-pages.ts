import { fork } from 'node:child_process';
import { join } from 'node:path';
import { hashPassword } from '../src/desk/sign-in/password';

/** Desk pages held open during a benchmark run, by a reader process of their own (`desk-reader.ts`). */

export const PASSWORD = 'bench desk password';

/**
 * DESK_USERS for the line under test: an account for each of `names` (by default the pages' one), with PASSWORD
 * hashed at a cheap cost (a sign-in is not what is measured).
 */
export async function benchDeskUsers(names: string[] = ['bench']): Promise<string> {
  const hash = await hashPassword(PASSWORD, { log2N: 10, r: 8, p: 1 });
  return names.map((name) => `${name}:${hash}`).join(',');
}

export interface DeskPagesReport {
  pages: number;
  transfersPerPage: { lowest: number; highest: number };
  dropped: number;
}

export interface DeskPages {
  /** Closes every page; resolves with how many transfers each page was told of, lowest and highest. */
  close(): Promise<DeskPagesReport>;
}

type FromReader = { ready: true } | { error: string } | { transfers: number[]; dropped: number };

/**
 * Opens `count` live desk pages on the line at `base`, signed in once through its form. They are read in a process
 * of their own: read in the load generator's, 100 pages' streams took turns of its event loop from the webhooks
 * whose latency it measures (docs/performance.md).
 */
export async function openDeskPages(base: string, count: number): Promise<DeskPages> {
  const reader = fork(join(__dirname, 'desk-reader.js'), [base, String(count)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () =>
    new Promise<FromReader>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the desk pages' reader exited with ${code}`));
      reader.once('exit', onExit);
      reader.once('message', (message) => {
        reader.off('exit', onExit);
        resolve(message as FromReader);
      });
    });
  const opened = await next();
  if ('error' in opened) throw new Error(`desk pages: ${opened.error}`);
  return {
    close: async () => {
      const counts = next();
      reader.send('close');
      const report = await counts;
      if (!('transfers' in report)) throw new Error('desk pages: the reader did not report its counts');
      return {
        pages: count,
        transfersPerPage: { lowest: Math.min(...report.transfers), highest: Math.max(...report.transfers) },
        dropped: report.dropped,
      };
    },
  };
}
