import type { Redis } from 'ioredis';
import { PASSWORD } from './desk-pages';

/**
 * What the soak runs beside the calls so that every feature is on (bench/soak.ts): desk hours that close and open
 * during the run, an agent working the callbacks through the desk page's forms, and the counts that account, at the
 * end, for every callback booked and every text queued.
 */

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/**
 * BSD_HOURS (in UTC) for a run of `seconds` from `start`: the desk is closed in the minute the run starts and every
 * other minute after it, open in the minutes between, and closed after the run. The hours are by the minute, so a run
 * of a minute or more has the desk both closed and open (callers closed out ask for callbacks and texts, the others
 * are transferred), and the mix is the same in each half of a longer run, as a steady memory needs. A shorter run
 * (the CI's 15 s) starts with the desk closed, and opens it if it reaches the next minute; its busy transfers still
 * offer callbacks and texts. Only the run's own minutes are listed, so that the hours stay a few ranges long (they
 * are written into the desk's text message).
 */
export function alternatingHours(start: Date, seconds: number): string {
  const first = Math.floor(start.getTime() / 60_000);
  const minutes = Math.ceil(seconds / 60) + 3;
  const ranges: string[] = [];
  for (let i = 1; i < minutes; i += 2) {
    const at = new Date((first + i) * 60_000);
    const open = at.getUTCHours() * 60 + at.getUTCMinutes();
    ranges.push(`${DAYS[(at.getUTCDay() + 6) % 7]} ${hhmm(open)}-${hhmm(open + 1)}`);
  }
  return ranges.join(',');
}

/** Whether the hours of `alternatingHours(start, …)` have the desk open at `at`. */
export function openAt(start: Date, at: Date): boolean {
  return (Math.floor(at.getTime() / 60_000) - Math.floor(start.getTime() / 60_000)) % 2 === 1;
}

function cookieOf(res: Response, name: string): string {
  const line = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (line === undefined) throw new Error(`no ${name} cookie (status ${res.status})`);
  return line.slice(0, line.indexOf(';'));
}

/**
 * An agent at the desk page of one line: signed in through its form, reading the open callbacks as the page's list
 * does (`GET /desk/api/callbacks`), and claiming then closing each through the page's forms, with the page's CSRF
 * token, as a person clicking "claim" then "done" or "not reached" would.
 */
export class SoakAgent {
  claimed = 0;
  closed = { done: 0, 'not-reached': 0 };
  /** Answers other than the forms' 303 (another agent's claim, a callback gone): counted, and the first few kept. */
  refusals = 0;
  refusalSamples: string[] = [];
  errors = 0;
  errorSamples: string[] = [];
  private stopped = false;
  private loop: Promise<void> | undefined;

  private constructor(
    private readonly base: string,
    private readonly cookie: string,
    private readonly csrf: string,
  ) {}

  static async signIn(base: string, name = 'bench'): Promise<SoakAgent> {
    const form = await fetch(`${base}/desk/sign-in`);
    const formCsrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
    const signedIn = await fetch(`${base}/desk/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookieOf(form, 'desk_form') },
      body: new URLSearchParams({ csrf: formCsrf, name, password: PASSWORD }).toString(),
    });
    await signedIn.arrayBuffer();
    const cookie = cookieOf(signedIn, 'desk_session');
    const page = await fetch(`${base}/desk`, { headers: { Cookie: cookie } });
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1];
    if (page.status !== 200 || csrf === undefined) throw new Error(`the desk page answered ${page.status} without a form token`);
    return new SoakAgent(base, cookie, csrf);
  }

  private async post(path: string, form: Record<string, string>): Promise<boolean> {
    const res = await fetch(`${this.base}/desk${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: this.cookie, 'Sec-Fetch-Site': 'same-origin' },
      body: new URLSearchParams({ csrf: this.csrf, ...form }).toString(),
    });
    const text = await res.text();
    if (res.status === 303) return true;
    this.refusals++;
    if (this.refusalSamples.length < 5) this.refusalSamples.push(`${path} ${res.status}: ${text.slice(0, 100)}`);
    return false;
  }

  /** Claims and closes every callback open now; alternately done and not reached. */
  async workOnce(): Promise<void> {
    const res = await fetch(`${this.base}/desk/api/callbacks`, { headers: { Cookie: this.cookie } });
    if (res.status !== 200) throw new Error(`/desk/api/callbacks answered ${res.status}`);
    const { callbacks } = (await res.json()) as { callbacks: { id: string; status: string }[] };
    for (const { id, status } of callbacks) {
      // One claimed already (by the other line's agent) is theirs to close.
      if (status !== 'open' || !(await this.post('/callbacks/claim', { id }))) continue;
      this.claimed++;
      const outcome = (this.claimed % 2 === 0 ? 'done' : 'not-reached') as keyof SoakAgent['closed'];
      if (await this.post('/callbacks/close', { id, outcome })) this.closed[outcome]++;
    }
  }

  /** Works the list every `everyMs` until `stop`. */
  start(everyMs: number): void {
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          await this.workOnce();
        } catch (error) {
          this.errors++;
          if (this.errorSamples.length < 5) this.errorSamples.push((error as Error).message);
        }
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

/** The value of a counter's series in Prometheus text (0 when absent). */
export function counterValue(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.indexOf('}'));
    const have = inside.split(',');
    if (want.every((w) => have.includes(w)) && have.length === want.length) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/** The sum, over the lines' /metrics texts, of a counter's series for each of `events`. */
export function summed(texts: string[], name: string, label: string, events: readonly string[]): Record<string, number> {
  return Object.fromEntries(events.map((e) => [e, texts.reduce((sum, t) => sum + counterValue(t, name, { [label]: e }), 0)]));
}

/** BullMQ's lists of text messages still to be sent: waiting, being sent, or waiting for another try. */
export async function textsInFlight(redis: Redis, prefix: string): Promise<number> {
  const key = (name: string) => `${prefix}:{sms}:text-messages:${name}`;
  const [wait, active, delayed, prioritized, paused] = await Promise.all([
    redis.llen(key('wait')),
    redis.llen(key('active')),
    redis.zcard(key('delayed')),
    redis.zcard(key('prioritized')),
    redis.llen(key('paused')),
  ]);
  return wait + active + delayed + prioritized + paused;
}

/** The callbacks kept in Redis, by status (withdrawn ones included), and the open list's length. */
export async function callbacksInStore(redis: Redis, prefix: string): Promise<{ byStatus: Record<string, number>; openList: number }> {
  const byStatus: Record<string, number> = {};
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:{callbacks}:item:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const status = (await redis.hget(key, 'status')) ?? 'none';
      byStatus[status] = (byStatus[status] ?? 0) + 1;
    }
  } while (cursor !== '0');
  return { byStatus, openList: await redis.zcard(`${prefix}:{callbacks}:open`) };
}
