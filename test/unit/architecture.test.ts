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

/**
 * The part of the line a source file belongs to: its folder under src/, sub-folders included (`src/turn/decide.ts`
 * -> `src/turn`, `src/desk/live/live-hub.ts` -> `src/desk`); `src/main.ts` -> `src`. A part's sub-folders show its
 * pieces; the rules below are between parts.
 */
const folderOf = (file: string) => {
  const parts = dirname(file).split('/');
  return parts.slice(0, 2).join('/');
};

test('no folder imports a folder that imports it back, directly or through others', () => {
  const edges = new Map<string, Set<string>>();
  for (const [file, { local }] of imports) {
    for (const target of local) {
      if (folderOf(target) === folderOf(file)) continue;
      if (!edges.has(folderOf(file))) edges.set(folderOf(file), new Set());
      edges.get(folderOf(file))!.add(folderOf(target));
    }
  }
  const cycles: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (folder: string, path: string[]) => {
    if (state.get(folder) === 'done') return;
    if (state.get(folder) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(folder)), folder].join(' -> '));
      return;
    }
    state.set(folder, 'visiting');
    for (const next of edges.get(folder) ?? []) visit(next, [...path, folder]);
    state.set(folder, 'done');
  };
  for (const folder of edges.keys()) visit(folder, []);
  expect(cycles).toEqual([]);
});

test('the turn reads as the house style draws it: http -> turn -> telephony -> engine -> flows', () => {
  const allowed: Record<string, RegExp> = {
    'src/flows': /^src\/common$/,
    'src/engine': /^src\/(flows|common)$/,
    'src/telephony': /^src\/(engine|flows|common)$/,
    'src/store': /^src\/(engine|common)$/,
    'src/turn': /^src\/(telephony|engine|flows|store|common|insights)$/,
    'src/http': /^src\/(turn|telephony|engine|flows|store|common)$/,
    // The listening-time report drives the engine and reads the TwiML it would send; besides cli/, only the
    // announcement imports it, to time its words as the report does.
    'src/timing': /^src\/(simulator|telephony|engine|flows|common)$/,
    // What callers ask the desk to do later (callbacks, text messages): the turn calls it through its own interface.
    'src/requests': /^src\/(turn|telephony|engine|flows|common)$/,
    // The desk page sits beside the webhooks: it reads what they hand it, and nothing below it knows it exists.
    'src/desk': /^src\/(turn|telephony|engine|flows|store|common|requests|announcement|insights)$/,
    // The one backend (Redis or memory) implements what each part says it needs to keep.
    'src/backend': /^src\/(store|desk|requests|announcement|insights|common)$/,
    // The desk's announcement: what it is, its store's port, and each instance's copy; the turn never imports it.
    'src/announcement': /^src\/(timing|flows|common)$/,
    // The flow's insights: what a turn counts, its store's port, each instance's counts and the report made of them.
    'src/insights': /^src\/(engine|flows|common)$/,
  };
  for (const [file, { local }] of imports) {
    const rule = allowed[folderOf(file)];
    if (rule === undefined) continue;
    const outside = local.map(folderOf).filter((f) => f !== folderOf(file) && !rule.test(f));
    expect({ file, outside }).toEqual({ file, outside: [] });
  }
});

test('flows/ and engine/ are pure: no HTTP, Redis, Twilio or store imports', () => {
  for (const [file, { local, packages }] of imports) {
    if (!/^src\/(flows|engine)\//.test(file)) continue;
    expect({ file, packages: packages.filter((p) => /express|ioredis|twilio|pino/.test(p)) }).toEqual({ file, packages: [] });
    expect({ file, local: local.filter((l) => /^src\/(http|store|telephony|turn)\//.test(l)) }).toEqual({ file, local: [] });
  }
});

test('only the backend knows Redis: no other part imports ioredis or bullmq, or a concrete store', () => {
  for (const [file, { local, packages }] of imports) {
    if (file.startsWith('src/backend/')) continue;
    expect({ file, packages: packages.filter((p) => /^(ioredis|bullmq)$/.test(p)) }).toEqual({ file, packages: [] });
    // The composition roots (main.ts, app.ts, the command line) take a backend; only they name the factory.
    const concrete = local.filter((l) => l.startsWith('src/backend/') && !/^src\/backend\/(backend|connect)\.ts$/.test(l));
    expect({ file, concrete }).toEqual({ file, concrete: [] });
    if (!/^src\/(cli\/[^/]+|app|main)\.ts$/.test(file))
      expect({ file, backend: local.filter((l) => l.startsWith('src/backend/')) }).toEqual({ file, backend: [] });
  }
});

test('a reader sees the parts from the folder names: no folder holds more than about 1,200 lines of its own', () => {
  const lines = new Map<string, number>();
  for (const file of files) lines.set(dirname(file), (lines.get(dirname(file)) ?? 0) + readFileSync(file, 'utf8').split('\n').length);
  const over = [...lines].filter(([, n]) => n > 1_300);
  expect(over).toEqual([]);
});
