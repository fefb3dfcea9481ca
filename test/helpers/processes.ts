import { spawn } from 'node:child_process';
import { signWebhook } from '../../src/telephony/signature';
import { freePort } from './redis-server';

/** The Twilio auth token of the lines the tests start, in their own process or in the test's. */
export const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';

export interface LineProcess {
  port: number;
  /** Where its /metrics is (METRICS_PORT). */
  metricsPort: number;
  pid: number;
  /** What the process has written to stdout and stderr (nothing when started with `output: 'discard'`). */
  output(): string;
  /** Sends `signal` (to its whole group, when it has one) and resolves with the exit code; at once if it has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface LineProcessOptions {
  /** The command that runs the line; by default its source, through tsx. */
  command?: string[];
  /** The path that answers 200 once the process is ready: /healthz when it listens, /readyz when its store answers too. */
  ready?: '/healthz' | '/readyz';
  /** 'keep' gathers stdout and stderr for output(); 'discard' drops stdout and passes stderr on, for long runs. */
  output?: 'keep' | 'discard';
  /** A process group of its own, so that stop() also reaches what the command starts (`npm start` starts node). */
  group?: boolean;
}

/** How often readiness is asked for: often enough for the benchmark's start-up times to mean something. */
const POLL_MS = 5;
const START_TIMEOUT_MS = 20_000;

/**
 * Starts the line as its own process, as a deployment runs it, with the tests' token, and resolves once it answers
 * `ready`. Its environment is `env` over those defaults, with PATH and nothing else of this process's: what the
 * shell running the tests or the benchmark has set does not leak in. Tests, the benchmark and the soak start their
 * processes with it (the benchmark's ceiling too, with its own command).
 */
export async function startLineProcess(env: Record<string, string>, options: LineProcessOptions = {}): Promise<LineProcess> {
  const { command = [process.execPath, '--import', 'tsx', 'src/main.ts'], ready = '/healthz', output = 'keep', group = false } = options;
  const port = env.PORT === undefined ? await freePort() : Number(env.PORT);
  const metricsPort = env.METRICS_PORT === undefined ? await freePort() : Number(env.METRICS_PORT);
  const child = spawn(command[0]!, command.slice(1), {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      LOG_LEVEL: 'info',
      SHUTDOWN_DRAIN_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', output === 'keep' ? 'pipe' : 'ignore', output === 'keep' ? 'pipe' : 'inherit'],
    detached: group,
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += String(d)));
  child.stderr?.on('data', (d) => (out += String(d)));
  const line: LineProcess = {
    port,
    metricsPort,
    pid: child.pid!,
    output: () => out,
    stop: async (signal = 'SIGKILL') => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      if (group) process.kill(-child.pid!, signal);
      else child.kill(signal);
      return exited;
    },
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited with ${child.exitCode}:\n${out}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}${ready}`)).status === 200) return line;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await line.stop();
      throw new Error(`${command.join(' ')} did not answer ${ready} within ${START_TIMEOUT_MS / 1000} s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * A webhook to a line process, signed as Twilio signs it over the line's public URL (`publicBaseUrl`, its
 * PUBLIC_BASE_URL) and sent to the process's own port.
 */
export function postWebhook(line: LineProcess, publicBaseUrl: string, path: string, params: Record<string, string>): Promise<Response> {
  const { headers, body } = signWebhook(AUTH_TOKEN, `${publicBaseUrl}${path}`, params);
  return fetch(`http://127.0.0.1:${line.port}${path}`, { method: 'POST', headers, body });
}
