import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { withAttempt } from '../../src/desk/desk-store';
import { defineScripts, LUA_DIR, SCRIPTS, scriptFile, type ScriptName } from '../../src/backend/redis/scripts';

/** The line's Lua scripts: each in a file of its own, documented at its head, and each made a command. */
const names = Object.keys(SCRIPTS) as ScriptName[];
const files = readdirSync(LUA_DIR);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : [path];
  });
}

/** A script's head (the comment block it starts with) and its body (the rest). */
function parts(name: ScriptName): { head: string; body: string } {
  const text = readFileSync(join(LUA_DIR, scriptFile(name)), 'utf8');
  const match = /^--\[\[\n([\s\S]*?)\n\]\]\n([\s\S]*)$/.exec(text);
  if (match === null) throw new Error(`${scriptFile(name)} does not start with a --[[ ... ]] comment block`);
  return { head: match[1]!, body: match[2]! };
}

/** The n of each `KEYS[n]` or `ARGV[n]` in `text`. */
const used = (text: string, what: 'KEYS' | 'ARGV') =>
  new Set([...text.matchAll(new RegExp(`${what}\\[(\\d+)\\]`, 'g'))].map((m) => Number(m[1])));

test('every .lua file is a script the loader defines, and every script it defines has its file', () => {
  expect(files.every((f) => f.endsWith('.lua'))).toBe(true);
  expect([...files].sort()).toEqual(names.map(scriptFile).sort());
});

test('no script is left in a TypeScript file: Redis commands in Lua are only in the .lua files', () => {
  const inline = sources('src').filter((f) => !f.endsWith('.lua') && readFileSync(f, 'utf8').includes('redis.call('));
  expect(inline).toEqual([]);
});

describe.each(names)('%s', (name) => {
  test('its head says what it does, each key and argument it uses, and what it returns', () => {
    const { head, body } = parts(name);
    const input = head.indexOf('\n  Input:\n');
    const output = head.indexOf('\n  Output:\n');
    expect(input).toBeGreaterThan(0);
    expect(output).toBeGreaterThan(input);
    // What it does: the text before Input.
    expect(head.slice(0, input).trim().length).toBeGreaterThan(10);
    // What it returns: at least one line with a meaning.
    expect(head.slice(output + '\n  Output:\n'.length).trim().length).toBeGreaterThan(0);
    // Each key and argument the body uses has a line of its own, with its meaning; none documented goes unused.
    const inputs = head.slice(input, output);
    for (const what of ['KEYS', 'ARGV'] as const) {
      const documented = new Set([...inputs.matchAll(new RegExp(`^ {4}${what}\\[(\\d+)\\] +\\S`, 'gm'))].map((m) => Number(m[1])));
      expect(documented).toEqual(used(body, what));
    }
  });

  test('it takes the number of keys the loader gives it', () => {
    const { head, body } = parts(name);
    const keys = SCRIPTS[name];
    if (keys === 'given') {
      expect(body).toContain('#KEYS');
      expect(head).toMatch(/^ {4}KEYS\[\d+\.\.\]/m);
    } else {
      expect(used(body, 'KEYS')).toEqual(new Set(Array.from({ length: keys }, (_, i) => i + 1)));
    }
  });
});

test('the loader makes every script a command of a client, once however many stores share it', () => {
  const client = new Redis({ lazyConnect: true });
  const define = jest.spyOn(client, 'defineCommand');
  expect(defineScripts(client)).toBe(client);
  defineScripts(client);
  expect(define.mock.calls.map(([name]) => name).sort()).toEqual([...names].sort());
  for (const [name, definition] of define.mock.calls) {
    const keys = SCRIPTS[name as ScriptName];
    expect(definition).toEqual(keys === 'given' ? { lua: expect.any(String) } : { numberOfKeys: keys, lua: expect.any(String) });
    expect(definition.lua).toBe(readFileSync(join(LUA_DIR, scriptFile(name as ScriptName)), 'utf8'));
  }
  for (const name of names) expect(typeof client[name]).toBe('function');
  // A client of its own (a duplicate) gets them too.
  const other = client.duplicate();
  defineScripts(other);
  expect(typeof other.casSave).toBe('function');
  client.disconnect();
  other.disconnect();
});

test('a published message gets its attempt as one more field, its arrays kept, when it is an object with fields', () => {
  const card = JSON.stringify({ type: 'transfer', card: { callSid: 'CA1', path: [], notes: null, note: 'a "b" /c/ é' } });
  expect(JSON.parse(withAttempt(card, 2))).toEqual({ ...JSON.parse(card), attempt: 2 });
  expect(withAttempt(card, 2)).toBe(`${card.slice(0, -1)},"attempt":2}`);
  for (const as of ['{}', '[1]', '"x"', '3', 'not json', '{"open": ']) expect(withAttempt(as, 1)).toBe(as);
});
