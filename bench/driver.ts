import http from 'node:http';
import { placeCall, type CallOptions, type Reply, type Step } from '../src/simulator/caller';
import { signWebhook, type SignedWebhook } from '../src/telephony/signature';

/** Webhook latencies and counts gathered by the load generator. */
export class Recorder {
  readonly latencies: number[] = [];
  webhooks = 0;
  calls = 0;
  errors = 0;
  errorSamples: string[] = [];
  /** What the callers did where the line waited for them. */
  steps = { key: 0, speech: 0, silence: 0, desk: 0 };

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
    readonly token: string,
    sockets: number,
    private readonly to: (url: string) => string = (url) => url,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  post(url: string, params: Record<string, string>): Promise<Reply> {
    return this.send(signWebhook(this.token, url, params));
  }

  send({ url, body, headers }: SignedWebhook): Promise<Reply> {
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

/**
 * A caller who presses one of the keys the prompt offers (never 9, the main menu), sometimes no key (8%) or a
 * wrong key (5%), and where the line listens for speech says an answer instead a quarter of the time (one of the
 * phrases it hints, in a sentence, so that the line's classifier reads it); the desk answers 80% of transfers, and
 * is otherwise busy, not answering or failing.
 */
const randomCaller = (at: Parameters<CallOptions['next']>[0]): Step => {
  if (at.verb === 'Dial')
    return { kind: 'desk', outcome: Math.random() < 0.8 ? 'answered' : pick(['busy', 'no-answer', 'failed'] as const) };
  const keys = [...at.says.join(' ').matchAll(/press (\d)/g)].map((m) => m[1]!).filter((k) => k !== '9');
  const roll = Math.random();
  const hints = (at.hints ?? []).filter((h) => !/main menu|menu|start over/.test(h));
  if (roll >= 0.75 && hints.length > 0) return { kind: 'speech', text: `Um, ${pick(hints)}, please.`, confidence: 0.9 };
  return roll < 0.08 ? { kind: 'silence' } : { kind: 'key', key: roll < 0.13 ? '7' : pick(keys.length > 0 ? keys : ['1']) };
};

/**
 * One whole simulated call, followed as Twilio follows the TwiML the line returns (the simulator's placeCall): the
 * incoming webhook, the random caller's keys, the desk's outcome at transfers, the whisper, and the status
 * callback, at most `maxRequests` webhooks before it. Each webhook's latency is recorded. `from` is the caller's number.
 */
export async function simulatedCall(client: WebhookClient, recorder: Recorder, maxRequests = 21, from?: string): Promise<void> {
  const result = await placeCall({
    baseUrl: client.base,
    authToken: client.token,
    ...(from !== undefined && { from }),
    transport: async (webhook) => {
      const started = performance.now();
      const reply = await client.send(webhook);
      recorder.record(performance.now() - started);
      return reply;
    },
    next: (at) => {
      const step = randomCaller(at);
      if (step.kind !== 'hangup') recorder.steps[step.kind]++;
      return step;
    },
    maxRequests,
  });
  for (const error of result.errors) recorder.error(error);
  recorder.calls++;
}
