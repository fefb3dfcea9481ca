import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/common/config';
import { createLogger } from '../../src/common/log';
import { FlowRegistry } from '../../src/engine/registry';
import { memoryBackend } from '../../src/backend/memory';

/** The auth token of the running line in these tests: 32 hexadecimal characters, as a real one. */
const LINE_TOKEN = '5f4dcc3b5aa765d61d8327deb882cf99';
const CALL = resolve('src/cli/call.ts');

/** Runs `npm run call` in `cwd` with exactly `env` (and PATH); resolves with its exit status and output. */
function call(
  args: string[],
  env: Record<string, string>,
  cwd = process.cwd(),
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(
      process.execPath,
      [require.resolve('tsx/cli'), CALL, ...args],
      { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, ...env } },
      (error, stdout, stderr) => done({ status: error ? Number((error as { code?: number }).code) : 0, stdout, stderr }),
    ),
  );
}

/** A folder holding a .env file with `text`. */
function folderWithEnv(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'call-env-'));
  writeFileSync(join(dir, '.env'), text);
  return dir;
}

describe('npm run call reads .env as npm start does', () => {
  const flows = resolve('call-flows');

  test('a variable in .env is used, and one set in the environment wins', async () => {
    const dir = folderWithEnv(`FLOWS_DIR=${flows}\nBSD_NUMBER=+16045550111\n`);
    const fromFile = await call(['--keys', '0', '--width', '0'], {}, dir);
    expect(fromFile.stdout).toContain('TRANSFER    dialling +16045550111');
    const fromEnvironment = await call(['--keys', '0', '--width', '0'], { BSD_NUMBER: '+16045550122' }, dir);
    expect(fromEnvironment.stdout).toContain('TRANSFER    dialling +16045550122');
  });

  test('"I have no idea" said at the username question is not sure (or asked about first), never yes', async () => {
    const dir = folderWithEnv(`FLOWS_DIR=${flows}\n`);
    const result = await call(['--keys', '1,say:I have no idea,hangup', '--width', '0'], {}, dir);
    expect(result.stdout).toContain('CALLER      says "I have no idea"');
    expect(result.stdout).toMatch(/The Business Support Desk can verify your account|Did you say not sure\?/);
    expect(result.stdout).not.toContain('will log a ticket for you');
  });

  test("a TWILIO_ACCOUNT_SID in .env is sent as the calls' account, so the line it starts does not refuse them", async () => {
    const dir = folderWithEnv(`FLOWS_DIR=${flows}\nTWILIO_ACCOUNT_SID=AC${'1f'.repeat(16)}\n`);
    const result = await call(['--keys', '2,1', '--width', '0'], {}, dir);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('CALL        line hung up');
  });
});

describe('npm run call --url against a line that refuses its signature', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = loadConfig({ TWILIO_AUTH_TOKEN: LINE_TOKEN, PUBLIC_BASE_URL: url, NODE_ENV: 'test' });
    const { app } = buildApp({
      config,
      backend: memoryBackend(),
      flows: FlowRegistry.fromDir(config.FLOWS_DIR, config.ENTRY_FLOW),
      logger: createLogger('silent'),
    });
    server.on('request', app);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test("a 403 says it signed with the local development token, and how to give the line's token with --token", async () => {
    const result = await call(['--url', url, '--keys', '1'], {});
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('/voice: HTTP 403: X-Twilio-Signature does not match this request');
    expect(result.stderr).toContain(
      `the line at ${url} refused the signature (HTTP 403): this call was signed with the local development token`,
    );
    expect(result.stderr).toContain(`npm run call -- --url ${url} --token <the line's TWILIO_AUTH_TOKEN>`);
  });

  test('a 403 names TWILIO_AUTH_TOKEN from the environment, or from .env, and never shows the token', async () => {
    const wrong = 'e10adc3949ba59abbe56e057f20f883e';
    const fromEnvironment = await call(['--url', url, '--keys', '1'], { TWILIO_AUTH_TOKEN: wrong });
    expect(fromEnvironment.stderr).toContain('this call was signed with TWILIO_AUTH_TOKEN from the environment');
    const fromFile = await call(['--url', url, '--keys', '1'], {}, folderWithEnv(`TWILIO_AUTH_TOKEN=${wrong}\n`));
    expect(fromFile.stderr).toContain('this call was signed with TWILIO_AUTH_TOKEN from .env');
    for (const result of [fromEnvironment, fromFile]) expect(result.stdout + result.stderr).not.toContain(wrong);
  });

  test("with the line's token given by --token the call goes through", async () => {
    const result = await call(['--url', `${url}/`, '--token', LINE_TOKEN, '--keys', '2,1', '--width', '0'], {});
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('CALL        line hung up');
  });
});
