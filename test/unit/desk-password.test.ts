import { loadConfig } from '../../src/common/config';
import { readdirSync, readFileSync } from 'node:fs';
import { hashPassword, parseHash, verifyPassword } from '../../src/desk/sign-in/password';
import { ScryptPool } from '../../src/desk/sign-in/scrypt-pool';

/** A cheap cost for tests: the format and the checks are the same at any cost. */
const CHEAP = { log2N: 10, r: 8, p: 1 };

describe('desk password hashes', () => {
  test('a hash verifies its own password and no other', async () => {
    const hash = await hashPassword('correct horse battery', CHEAP);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  test('the hash carries its cost and a fresh salt: the same password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPassword('same password here', CHEAP), hashPassword('same password here', CHEAP)]);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\.10\.8\.1\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(parseHash(a)).toMatchObject({ cost: CHEAP });
    expect(parseHash(a)!.salt).toHaveLength(16);
    // Nothing that a list of name:hash pairs, a shell or a compose file would read specially.
    expect(a).not.toMatch(/[:,$\s'"]/);
  });

  test('the default cost is a memory-hard one (32 MiB), and a hash of another cost still verifies', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(parseHash(hash)!.cost).toEqual({ log2N: 15, r: 8, p: 3 });
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
  });

  test('a malformed hash verifies nothing, and does not throw', async () => {
    for (const hash of [
      '',
      'scrypt',
      'bcrypt$2b$10$abc',
      'scrypt.10.8.1.short.short',
      'scrypt.30.8.1.' + 'A'.repeat(22) + '.' + 'A'.repeat(43),
    ])
      expect(await verifyPassword('anything at all', hash)).toBe(false);
  });
});

describe('DESK_USERS', () => {
  const hash = 'scrypt.10.8.1.' + 'a'.repeat(22) + '.' + 'b'.repeat(43);

  test('unset: no desk accounts', () => {
    expect(loadConfig({}).DESK_USERS).toBeUndefined();
    expect(loadConfig({ DESK_USERS: ' ' }).DESK_USERS).toBeUndefined();
  });

  test('name:hash pairs, separated by commas', () => {
    expect(loadConfig({ DESK_USERS: `alice:${hash}, bob.smith@example.org:${hash}` }).DESK_USERS).toEqual([
      { name: 'alice', hash },
      { name: 'bob.smith@example.org', hash },
    ]);
  });

  test('each bad entry is named, and the hash is never quoted back', () => {
    let message = '';
    try {
      loadConfig({ DESK_USERS: `alice:${hash},bob:plaintext-password,alice:${hash},no-hash-here,bad name:${hash}` });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("DESK_USERS: entry 2 ('bob'): the hash is not one that npm run desk:hash-password prints");
    expect(message).toContain("DESK_USERS: entry 3 ('alice'): the name is given twice");
    expect(message).toContain("DESK_USERS: entry 4 ('no-hash-here') must be name:hash");
    expect(message).toContain('DESK_USERS: entry 5 must be name:hash');
    expect(message).not.toContain('plaintext-password');
  });

  test('the other desk variables have defaults and are checked', () => {
    expect(loadConfig({})).toMatchObject({ DESK_SIGN_IN_TTL_SECONDS: 43200, DESK_TIME_ZONE: 'UTC' });
    expect(loadConfig({ DESK_TIME_ZONE: 'America/Toronto', DESK_TRUST_PROXY: '1' })).toMatchObject({
      DESK_TIME_ZONE: 'America/Toronto',
      DESK_TRUST_PROXY: 1,
    });
    expect(loadConfig({ DESK_TRUST_PROXY: 'loopback, 10.0.0.0/8' }).DESK_TRUST_PROXY).toBe('loopback, 10.0.0.0/8');
    expect(() => loadConfig({ DESK_TIME_ZONE: 'Mars/Olympus_Mons' })).toThrow(/DESK_TIME_ZONE: must be an IANA time zone/);
    expect(() => loadConfig({ DESK_SIGN_IN_TTL_SECONDS: '5' })).toThrow(/DESK_SIGN_IN_TTL_SECONDS/);
    expect(loadConfig({ DESK_SESSION_HOURS: '8' })).toMatchObject({ DESK_SIGN_IN_TTL_SECONDS: 8 * 3600 });
    expect(loadConfig({ DESK_SESSION_HOURS: '0.5' })).toMatchObject({ DESK_SIGN_IN_TTL_SECONDS: 1800 });
    expect(loadConfig({ DESK_SIGN_IN_TTL_SECONDS: '3600' })).toMatchObject({ DESK_SIGN_IN_TTL_SECONDS: 3600 });
    expect(() => loadConfig({ DESK_SESSION_HOURS: 'a shift' })).toThrow(/DESK_SESSION_HOURS: must be a number of hours from 0.1 to 168/);
    expect(() => loadConfig({ DESK_SESSION_HOURS: '200' })).toThrow(/DESK_SESSION_HOURS/);
    expect(() => loadConfig({ DESK_SESSION_HOURS: '8', DESK_SIGN_IN_TTL_SECONDS: '3600' })).toThrow(
      /DESK_SESSION_HOURS: says the same as DESK_SIGN_IN_TTL_SECONDS/,
    );
  });
});

describe('password checks on low-priority threads', () => {
  /** The nice value of each thread of this process (Linux). */
  const niceOfThreads = () =>
    readdirSync('/proc/self/task').map((tid) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]));

  test('the pool gives the same answers as node:crypto, and runs scrypt on a thread at nice 19', async () => {
    const pool = new ScryptPool(2);
    try {
      const hash = await hashPassword('a password', { log2N: 10, r: 8, p: 1 });
      const before = niceOfThreads().filter((nice) => nice === 19).length;
      const [right, wrong] = await Promise.all([
        verifyPassword('a password', hash, pool.scrypt),
        verifyPassword('another', hash, pool.scrypt),
      ]);
      expect([right, wrong]).toEqual([true, false]);
      expect(await verifyPassword('a password', hash)).toBe(true);
      // Two checks at once: two workers, each at the lowest priority; the process's other threads as they were.
      expect(niceOfThreads().filter((nice) => nice === 19)).toHaveLength(before + 2);
    } finally {
      await pool.close();
    }
  });
});
