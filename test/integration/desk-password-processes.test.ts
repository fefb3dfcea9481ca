import { spawnSync } from 'node:child_process';
import { verifyPassword } from '../../src/desk/sign-in/password';

/** The password tools run as processes of their own: the command that hashes a password, and a process that checks one. */

describe('desk password hashes', () => {
  test('npm run desk:hash-password reads the password from standard input and prints a hash that verifies it', async () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/desk-hash-password.ts'], {
      input: 'a long enough password\n',
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    const hash = run.stdout.trim();
    expect(hash).toMatch(/^scrypt\.15\.8\.3\./);
    expect(run.stdout).not.toContain('a long enough password');
    // The final line break is not part of the password.
    expect(await verifyPassword('a long enough password', hash)).toBe(true);
    const short = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/desk-hash-password.ts'], { input: 'short', encoding: 'utf8' });
    expect(short.status).toBe(1);
    expect(short.stderr).toContain('at least 12 characters');
    expect(short.stdout).toBe('');
  });
});

describe('password checks on low-priority threads', () => {
  test('a process that checked a password exits once the check is done: an idle thread keeps nothing alive, a busy one waits for its answer', () => {
    const code =
      "const { ScryptPool } = require('./src/desk/sign-in/scrypt-pool.ts');" +
      "new ScryptPool(1).scrypt('pw', Buffer.from('saltsaltsalt'), 32, { N: 1024, r: 8, p: 1 }).then((k) => console.log('key', k.length));";
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8', timeout: 15_000 });
    expect(run.stdout).toBe('key 32\n');
    expect(run.status).toBe(0);
  });
});
