import http from 'node:http';
import { PASSWORD } from './desk-pages';

/**
 * A flood of wrong sign-ins at the line's /desk, run as a process of its own by `startSignInFlood` (so that sending
 * it does not delay the webhooks whose latency the load generator measures): `rate` attempts a second, each from
 * one of ADDRESSES addresses (X-Forwarded-For: the line runs with DESK_TRUST_PROXY=loopback), with names that are
 * not accounts and names that are. Meanwhile an agent signs in every 2 s, from a browser she signed in from
 * before the flood (her device cookie), from a new browser on that same network address (an office's: the address
 * is known from her first sign-in), and from a new browser on an address never seen before (a new one each time),
 * and the answers are counted.
 * Messages to the parent: { ready: true } once flooding, and on 'close' the counts.
 */

const ADDRESSES = 400;
/**
 * How often the agent tries each of her three sign-ins: every check of hers is a third of a second of a core that the
 * line owes her, so a try each 2 s from two browsers (a check a second) is already more than a desk's shift change.
 */
const AGENT_EVERY_MS = 2000;
/** The form's double-submit token: any value that the cookie and the field share. */
const FORM = 'f'.repeat(43);

export interface FloodReport {
  sent: number;
  /** Answers by status: 401 wrong, 429 waiting, 503 no password-check slot free. */
  statuses: Record<string, number>;
  latencyMs: { p50: number; p99: number };
  /** The agent's sign-ins during the flood, by status (303: signed in). */
  agentKnownBrowser: Record<string, number>;
  /** A browser without her device cookie, on the address she signed in from before the flood. */
  agentNewBrowser: Record<string, number>;
  /** A browser without her device cookie, on an address no one has signed in from (a new one each try). */
  agentNewAddress: Record<string, number>;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function post(
  base: string,
  name: string,
  password: string,
  headers: Record<string, string>,
): Promise<{ status: number; cookies: string[] }> {
  const body = new URLSearchParams({ csrf: FORM, name, password }).toString();
  const url = new URL(`${base}/desk/sign-in`);
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': Buffer.byteLength(body),
          Cookie: [`desk_form=${FORM}`, headers.cookie].filter(Boolean).join('; '),
          ...(headers.forwarded !== undefined && { 'X-Forwarded-For': headers.forwarded }),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, cookies: res.headers['set-cookie'] ?? [] }));
      },
    );
    req.on('error', () => resolve({ status: 0, cookies: [] }));
    req.end(body);
  });
}

const bump = (counts: Record<string, number>, status: number) => (counts[status] = (counts[status] ?? 0) + 1);

async function main(base: string, rate: number): Promise<void> {
  // The agent's browser, signed in once before the flood: its device cookie.
  const first = await post(base, 'bench', PASSWORD, { forwarded: '198.51.100.1' });
  const device = first.cookies.find((c) => c.startsWith('desk_device='))?.split(';')[0];
  if (first.status !== 303 || device === undefined) {
    process.send!({ error: `the agent's first sign-in answered ${first.status}` });
    return;
  }
  const report: FloodReport = {
    sent: 0,
    statuses: {},
    latencyMs: { p50: 0, p99: 0 },
    agentKnownBrowser: {},
    agentNewBrowser: {},
    agentNewAddress: {},
  };
  const latencies: number[] = [];
  const pending = new Set<Promise<void>>();
  let closing = false;
  const started = performance.now();
  const flood = (async () => {
    while (!closing) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      for (; report.sent < due; report.sent++) {
        const i = report.sent;
        const t0 = performance.now();
        // Half the names are accounts' (bench), half are not.
        const name = i % 2 === 0 ? 'bench' : `user${i % 997}`;
        const done = post(base, name, `guess ${i}`, { forwarded: `100.64.${(i % ADDRESSES) >> 8}.${i % 256}` }).then((r) => {
          bump(report.statuses, r.status);
          latencies.push(performance.now() - t0);
        });
        pending.add(done);
        void done.finally(() => pending.delete(done));
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  let tries = 0;
  const agentTries = (async () => {
    while (!closing) {
      await new Promise((r) => setTimeout(r, AGENT_EVERY_MS));
      tries++;
      const [known, fresh, away] = await Promise.all([
        post(base, 'bench', PASSWORD, { forwarded: '198.51.100.1', cookie: device }),
        post(base, 'bench', PASSWORD, { forwarded: '198.51.100.1' }),
        post(base, 'bench', PASSWORD, { forwarded: `203.0.113.${tries % 250}` }),
      ]);
      bump(report.agentKnownBrowser, known.status);
      bump(report.agentNewBrowser, fresh.status);
      bump(report.agentNewAddress, away.status);
    }
  })();
  process.send!({ ready: true });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  closing = true;
  await Promise.all([flood, agentTries, ...pending]);
  const sorted = latencies.sort((a, b) => a - b);
  const at = (p: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) * 100) / 100;
  report.latencyMs = { p50: at(50), p99: at(99) };
  process.send!({ report });
  agent.destroy();
}

void main(process.argv[2]!, Number(process.argv[3]));
