import request from 'supertest';
import { hashPassword } from '../../src/desk/sign-in/password';
import { SIGN_IN_POLICY, type SignInPolicy } from '../../src/desk/sign-in/sign-in-limits';
import type { SlotLimits } from '../../src/desk/sign-in/check-slots';

/** A desk agent's password, and DESK_USERS for it at a cheap cost (the checks are the same at any cost). */
export const DESK_PASSWORD = 'correct horse battery staple';

/**
 * What the sign-in tests share, in memory (test/unit/desk-sign-in.test.ts) and on Redis
 * (test/store/desk-sign-in-redis.test.ts): the line's secret, the limits, and room for every check at once (tests of
 * the limits are not tests of the slots).
 */
export const SIGN_IN_SECRET = 'test-auth-token-0123456789abcdef';
export const SIGN_IN_TEST_POLICY: SignInPolicy = { ...SIGN_IN_POLICY, freeFailures: 5, firstWaitSeconds: 60, maxWaitSeconds: 600 };
export const WIDE_SLOTS: SlotLimits = { slots: 64, reserved: 0, maxQueued: 64, maxWaitMs: 5000 };
/** A hash of DESK_PASSWORD at a cheap cost. */
export const cheapHash = (): Promise<string> => hashPassword(DESK_PASSWORD, { log2N: 10, r: 8, p: 1 });

let users: Promise<string> | undefined;
export function deskUsers(): Promise<string> {
  users ??= cheapHash().then((hash) => `alice:${hash},bob:${hash}`);
  return users;
}

/** name=value pairs of a response's Set-Cookie headers, and their attributes, by name. */
export function setCookies(headers: Record<string, unknown>): Map<string, { value: string; attributes: string[] }> {
  const raw = headers['set-cookie'];
  const list = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  const cookies = new Map<string, { value: string; attributes: string[] }>();
  for (const line of list) {
    const [pair, ...attributes] = line.split(';').map((p) => p.trim());
    const eq = pair!.indexOf('=');
    cookies.set(pair!.slice(0, eq), { value: pair!.slice(eq + 1), attributes });
  }
  return cookies;
}

/** The value of the hidden csrf field of the first form in `html`. */
export function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (m === null) throw new Error('no csrf field in the page');
  return m[1]!;
}

export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Reads a Server-Sent Events stream as a browser's EventSource would: one event per blank-line-separated block.
 * `next(match)` resolves with the first event (from the start of the stream) that matches and was not taken yet.
 */
export async function openEvents(
  url: string,
  cookie: string,
): Promise<{ status: number; next(match: (e: SseEvent) => boolean, ms?: number): Promise<SseEvent>; ended: Promise<void>; close(): void }> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { Cookie: cookie, Accept: 'text/event-stream' }, signal: controller.signal });
  const events: SseEvent[] = [];
  const taken = new Set<SseEvent>();
  const waiting = new Set<() => void>();
  let buffer = '';
  const ended = (async () => {
    if (res.body === null) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let split: number;
        while ((split = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ event, data: data.join('\n') });
          for (const wake of waiting) wake();
        }
      }
    } catch {
      // aborted by close()
    }
    for (const wake of waiting) wake();
  })();
  let done = false;
  void ended.then(() => (done = true));
  return {
    status: res.status,
    ended,
    close: () => controller.abort(),
    next: (match, ms = 5000) =>
      new Promise<SseEvent>((resolve, reject) => {
        const look = () => {
          const found = events.find((e) => !taken.has(e) && match(e));
          if (found !== undefined) {
            taken.add(found);
            waiting.delete(look);
            clearTimeout(timer);
            resolve(found);
          } else if (done) {
            waiting.delete(look);
            clearTimeout(timer);
            reject(new Error(`the stream ended without the event; it had: ${events.map((e) => e.event).join(', ')}`));
          }
        };
        const timer = setTimeout(() => {
          waiting.delete(look);
          reject(new Error(`no such event within ${ms} ms; the stream had: ${events.map((e) => e.event).join(', ')}`));
        }, ms);
        waiting.add(look);
        look();
      }),
  };
}

/** Polls `probe` until it returns something other than undefined, for at most `ms`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, ms = 2000, every = 25): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** A browser's cookie jar in front of the app: what the desk sets, it sends back (Secure cookies included). */
export class DeskAgent {
  readonly cookies = new Map<string, string>();

  constructor(private readonly app: Parameters<typeof request>[0]) {}

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: request.Response): request.Response {
    for (const [name, { value, attributes }] of setCookies(res.headers)) {
      if (value === '' || attributes.some((a) => /^expires=Thu, 01 Jan 1970/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async get(path: string): Promise<request.Response> {
    return this.keep(await request(this.app).get(path).set('Cookie', this.cookieHeader));
  }

  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<request.Response> {
    return this.keep(await request(this.app).post(path).set('Cookie', this.cookieHeader).set(headers).type('form').send(form));
  }

  /** Signs in through the form, as a person would; returns the answer to the form. */
  async signIn(name = 'alice', password = DESK_PASSWORD, headers: Record<string, string> = {}): Promise<request.Response> {
    const form = await this.get('/desk/sign-in');
    return this.post('/desk/sign-in', { csrf: csrfOf(form.text), name, password }, headers);
  }

  /** The form token of the signed-in page. */
  async csrf(): Promise<string> {
    return csrfOf((await this.get('/desk')).text);
  }
}
