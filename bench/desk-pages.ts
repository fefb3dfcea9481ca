import { hashPassword } from '../src/desk/password';

/** Desk pages held open during a benchmark run: each a Server-Sent Events stream, as a browser's EventSource keeps. */

const PASSWORD = 'bench desk password';

/** DESK_USERS for the line under test: one account, hashed at a cheap cost (a sign-in is not what is measured). */
export async function benchDeskUsers(): Promise<string> {
  return `bench:${await hashPassword(PASSWORD, { log2N: 10, r: 8, p: 1 })}`;
}

export interface DeskPages {
  /** Closes every page; returns how many transfers each page was told of, lowest and highest. */
  close(): { pages: number; transfersPerPage: { lowest: number; highest: number }; dropped: number };
}

function cookieOf(res: Response, name: string): string {
  const line = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (line === undefined) throw new Error(`no ${name} cookie (status ${res.status})`);
  return line.slice(0, line.indexOf(';'));
}

/** Signs in once through the form at `base`/desk and opens `count` live pages with that sign-in. */
export async function openDeskPages(base: string, count: number): Promise<DeskPages> {
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
  const controller = new AbortController();
  const transfers = new Array<number>(count).fill(0);
  let dropped = 0;
  await Promise.all(
    transfers.map(async (_, i) => {
      const res = await fetch(`${base}/desk/events`, { headers: { Cookie: cookie }, signal: controller.signal });
      if (res.status !== 200 || res.body === null) throw new Error(`desk page ${i}: ${res.status}`);
      void (async () => {
        try {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
            transfers[i]! += Buffer.from(chunk).toString('utf8').split('event: transfer\n').length - 1;
          dropped++;
        } catch {
          // closed by close()
        }
      })();
    }),
  );
  return {
    close: () => {
      controller.abort();
      return { pages: count, transfersPerPage: { lowest: Math.min(...transfers), highest: Math.max(...transfers) }, dropped };
    },
  };
}
