import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** The shape the house style asks for: no import cycles; the pure middle knows nothing of HTTP, Redis or Twilio. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const files = sources('src');
const imports = new Map<string, { local: string[]; packages: string[] }>();
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)].map((m) => m[1]!);
  imports.set(file, {
    local: specs.filter((s) => s.startsWith('.')).map((s) => relative('.', `${resolve(dirname(file), s)}.ts`)),
    packages: specs.filter((s) => !s.startsWith('.')),
  });
}

test('no import cycles in src/', () => {
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
      return;
    }
    state.set(file, 'visiting');
    for (const next of imports.get(file)?.local ?? []) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of files) visit(file, []);
  expect(cycles).toEqual([]);
});

test('flows/ and engine/ are pure: no HTTP, Redis, Twilio or store imports', () => {
  for (const [file, { local, packages }] of imports) {
    if (!/^src\/(flows|engine)\//.test(file)) continue;
    expect({ file, packages: packages.filter((p) => /express|ioredis|twilio|pino/.test(p)) }).toEqual({ file, packages: [] });
    expect({ file, local: local.filter((l) => /^src\/(http|store|telephony)\//.test(l)) }).toEqual({ file, local: [] });
  }
});
