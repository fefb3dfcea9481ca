import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { AUTH_TOKEN, startLineProcess, type LineProcess } from '../helpers/processes';

/**
 * A new user's first calls on another port: `PORT=7100 npm start`, then `npm run call -- --url http://localhost:7100`.
 * Outside production the line's PUBLIC_BASE_URL follows PORT; a line whose PUBLIC_BASE_URL says another address
 * answers a good signature over the wrong URL with a 403 that names both URLs, and the command says what to do.
 */

const CALL = resolve('src/cli/call.ts');

function call(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(
      process.execPath,
      [require.resolve('tsx/cli'), CALL, ...args],
      { encoding: 'utf8', env: { PATH: process.env.PATH } },
      (error, stdout, stderr) => done({ status: error ? Number((error as { code?: number }).code) : 0, stdout, stderr }),
    ),
  );
}

let line: LineProcess | undefined;
afterEach(async () => {
  await line?.stop();
  line = undefined;
});

test('a line started on another port takes calls at http://localhost and that port', async () => {
  line = await startLineProcess({});
  const url = `http://localhost:${line.port}`;
  const result = await call(['--url', url, '--token', AUTH_TOKEN, '--keys', '2,1', '--width', '0']);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.stdout).toContain('CALL        line hung up');
});

test('signed with the right token over another URL: the 403 names the URL signed and the one the line expects', async () => {
  line = await startLineProcess({ PUBLIC_BASE_URL: 'http://localhost:3000' });
  const url = `http://localhost:${line.port}`;
  const result = await call(['--url', url, '--token', AUTH_TOKEN, '--keys', '1']);
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(
    `/voice: HTTP 403: X-Twilio-Signature does not match this request. It was signed over ${url}/voice, but the line checks signatures over http://localhost:3000/voice (its PUBLIC_BASE_URL`,
  );
  expect(result.stderr).toContain(`it checks signatures over its PUBLIC_BASE_URL, http://localhost:3000, not ${url}.`);
  expect(result.stderr).toContain(`start it with PUBLIC_BASE_URL=${url}`);
  // Not the advice about the token, which was right.
  expect(result.stderr).not.toContain('--token <the line');
  expect(result.stdout + result.stderr).not.toContain(AUTH_TOKEN);
});

test('signed with another token: the 403 says which URL the line checks, and the advice is about the token', async () => {
  line = await startLineProcess({});
  const url = `http://localhost:${line.port}`;
  const result = await call(['--url', url, '--token', 'e10adc3949ba59abbe56e057f20f883e', '--keys', '1']);
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(
    `X-Twilio-Signature does not match this request. The line checks signatures over ${url}/voice (its PUBLIC_BASE_URL, ${url}, and the path)`,
  );
  expect(result.stderr).toContain("--token <the line's TWILIO_AUTH_TOKEN>");
});
