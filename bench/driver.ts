import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { signWebhook, type SignedWebhook } from '../src/telephony/signature';

/** Webhook latencies and counts gathered by the load generator. */
export class Recorder {
  readonly latencies: number[] = [];
  webhooks = 0;
  calls = 0;
  errors = 0;
  errorSamples: string[] = [];

  record(ms: number): void {
    this.latencies.push(ms);
    this.webhooks++;
  }

  error(message: string): void {
    this.errors++;
    if (this.errorSamples.length < 5) this.errorSamples.push(message);
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Posts signed webhooks over keep-alive connections, as Twilio's webhook client does. Each is signed for the URL
 * Twilio would call, under `base`, and sent to the address `to` gives for it (itself, by default).
 */
export class WebhookClient {
  private readonly agent: http.Agent;

  constructor(
    readonly base: string,
    private readonly token: string,
    sockets: number,
    private readonly to: (url: string) => string = (url) => url,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  post(url: string, params: Record<string, string>): Promise<{ status: number; body: string }> {
    return this.send(signWebhook(this.token, url, params));
  }

  send({ url, body, headers }: SignedWebhook): Promise<{ status: number; body: string }> {
    const target = new URL(this.to(url));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: 'POST',
          headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;
const decode = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');

/**
 * One whole simulated call: the incoming webhook, then the caller's keys (random among the keys the prompt
 * offers, sometimes no key or a wrong key), the desk's outcome at transfers (sometimes busy), the whisper, and
 * the status callback. Follows the TwiML the line returns; each webhook's latency is recorded.
 */
export async function simulatedCall(client: WebhookClient, recorder: Recorder, maxTurns = 20): Promise<void> {
  const callSid = `CA${randomBytes(16).toString('hex')}`;
  const common = {
    CallSid: callSid,
    AccountSid: `AC${'0'.repeat(32)}`,
    From: '+16045550123',
    To: '+16045550100',
    CallStatus: 'in-progress',
  };
  const send = async (url: string, extra: Record<string, string> = {}): Promise<string | null> => {
    const started = performance.now();
    try {
      const res = await client.post(url, { ...common, ...extra });
      recorder.record(performance.now() - started);
      if (res.status < 200 || res.status > 299) {
        recorder.error(`HTTP ${res.status} from ${url.split('?')[0]}`);
        return null;
      }
      return res.body;
    } catch (error) {
      recorder.error((error as Error).message);
      return null;
    }
  };

  let twiml = await send(`${client.base}/voice`);
  for (let turn = 0; twiml !== null && turn < maxTurns; turn++) {
    if (twiml.includes('<Hangup')) break;
    const dial = /<Dial action="([^"]+)"[^>]*><Number url="([^"]+)"/.exec(twiml);
    if (dial) {
      const answered = Math.random() < 0.8;
      if (answered) await send(decode(dial[2]!), { CallSid: `CA${randomBytes(16).toString('hex')}`, ParentCallSid: callSid });
      twiml = await send(decode(dial[1]!), { DialCallStatus: answered ? 'completed' : pick(['busy', 'no-answer', 'failed']) });
      continue;
    }
    const action = /<Gather[^>]* action="([^"]+)"/.exec(twiml);
    if (!action) break;
    const keys = [...twiml.matchAll(/press (\d)/g)].map((m) => m[1]!).filter((k) => k !== '9');
    const roll = Math.random();
    const extra: Record<string, string> =
      roll < 0.08 ? {} : roll < 0.13 ? { Digits: '7' } : { Digits: pick(keys.length > 0 ? keys : ['1']) };
    twiml = await send(decode(action[1]!), extra);
  }
  await send(`${client.base}/voice/status`, { CallStatus: 'completed', CallDuration: '90' });
  recorder.calls++;
}
