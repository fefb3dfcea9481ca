import http from 'node:http';
import { PASSWORD } from './desk-pages';

/**
 * The desk pages' reader, run as a process of its own by `openDeskPages`: signs in once through the form at the
 * line's /desk and holds `count` live pages open with that sign-in, each a Server-Sent Events stream as a
 * browser's EventSource keeps, counting the transfers each is told of. In a process apart from the load generator,
 * so that reading the pages' streams does not delay the webhooks whose latency is measured.
 * Messages to the parent: { ready: true } once every page is open, { error } if one cannot be, and on 'close' the
 * counts ({ transfers, dropped }).
 */

/** The start of a transfer's block: a blank line, then its event line. */
const TRANSFER_BLOCK = Buffer.from('\n\nevent: transfer\n');

function countIn(bytes: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(TRANSFER_BLOCK); at !== -1; at = bytes.indexOf(TRANSFER_BLOCK, at + 1)) count++;
  return count;
}

function cookieOf(res: Response, name: string): string {
  const line = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (line === undefined) throw new Error(`no ${name} cookie (status ${res.status})`);
  return line.slice(0, line.indexOf(';'));
}

async function main(base: string, count: number): Promise<void> {
  const form = await fetch(`${base}/desk/sign-in`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const signedIn = await fetch(`${base}/desk/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookieOf(form, 'desk_form') },
    body: new URLSearchParams({ csrf, name: 'bench', password: PASSWORD }).toString(),
  });
  const cookie = cookieOf(signedIn, 'desk_session');
  await signedIn.arrayBuffer();
  const transfers = new Array<number>(count).fill(0);
  const pages: http.ClientRequest[] = [];
  let dropped = 0;
  let closing = false;
  await Promise.all(
    transfers.map(
      (_, i) =>
        new Promise<void>((resolve, reject) => {
          // node:http rather than fetch: a page's stream read for a fraction of the CPU, on the same cores as the line.
          const page = http.get(`${base}/desk/events`, { headers: { Cookie: cookie } }, (res) => {
            if (res.statusCode !== 200) {
              reject(new Error(`desk page ${i}: ${res.statusCode}`));
              return;
            }
            // One event per blank-line-separated block, as an EventSource reads them: a transfer's block follows a
            // blank line. Counted on the bytes as they come (decoding and splitting 100 pages' streams took the
            // line's cores), keeping a chunk's last bytes in case a block's start spans two chunks.
            const keep = TRANSFER_BLOCK.length - 1;
            let tail: Buffer = Buffer.alloc(0);
            res.on('data', (chunk: Buffer) => {
              // Those that span the last bytes and this chunk, then those within this chunk.
              const across = Buffer.concat([tail, chunk.subarray(0, keep)]);
              transfers[i]! += countIn(across) + countIn(chunk);
              tail = chunk.length >= keep ? chunk.subarray(chunk.length - keep) : across.subarray(Math.max(0, across.length - keep));
            });
            // A page the line closed before the benchmark did.
            res.on('end', () => closing || dropped++);
            res.on('error', () => closing || dropped++);
            resolve();
          });
          page.on('error', (error) => (page.destroyed ? undefined : reject(error)));
          pages.push(page);
        }),
    ),
  );
  process.on('message', (message) => {
    if (message !== 'close') return;
    closing = true;
    for (const page of pages) page.destroy();
    process.send!({ transfers, dropped }, () => process.exit(0));
  });
  // The benchmark gone: nothing to report to.
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: true });
}

main(process.argv[2]!, Number(process.argv[3])).catch((error: unknown) => {
  process.send!({ error: (error as Error).message }, () => process.exit(1));
});
