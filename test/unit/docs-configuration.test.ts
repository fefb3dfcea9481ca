import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ENV_NAMES } from '../../src/common/config';

/**
 * The documentation holds together: every variable the configuration schema reads is in docs/configuration.md, and
 * every relative link in README.md and docs/ leads to a file (and heading) that exists.
 */
const CONFIG_SOURCES = ['src/common/config.ts', 'src/common/desk-config.ts'];

/** The variable names a schema file declares as keys (`NAME: z…` or `NAME: something.pipe(…)`) or reads directly. */
function declaredNames(source: string): string[] {
  const keys = [...source.matchAll(/^\s+([A-Z][A-Z0-9_]*[A-Z0-9]):\s/gm)].map((m) => m[1]!);
  const reads = [...source.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!);
  return [...keys, ...reads];
}

const reference = readFileSync('docs/configuration.md', 'utf8');
const documented = new Set([...reference.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]!));

test('every variable of the configuration schema has a row in docs/configuration.md', () => {
  expect(ENV_NAMES.length).toBeGreaterThan(40);
  const missing = ENV_NAMES.filter((name) => !documented.has(name));
  expect(missing).toEqual([]);
});

test('so does every variable named in the schema files, read directly or as a key', () => {
  const names = CONFIG_SOURCES.filter((f) => existsSync(f)).flatMap((f) => declaredNames(readFileSync(f, 'utf8')));
  expect(names).toEqual(expect.arrayContaining(['PORT', 'DESK_USERS']));
  expect([...new Set(names)].filter((name) => !documented.has(name))).toEqual([]);
});

test('docs/configuration.md documents no variable the line does not read', () => {
  expect([...documented].filter((name) => !ENV_NAMES.includes(name))).toEqual([]);
});

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? markdownFiles(path) : name.endsWith('.md') ? [path] : [];
  });
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown text's headings (outside code blocks). */
function anchors(text: string): Set<string> {
  const prose = text.replace(/^(```|~~~)[\s\S]*?^\1/gm, '');
  return new Set([...prose.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => anchorOf(m[1]!)));
}

/** The relative link targets of a Markdown text, outside code blocks and code spans. */
function relativeLinks(text: string): string[] {
  const prose = text.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

test("a heading's anchor is GitHub's", () => {
  expect(anchorOf('Speed and memory: `npm run bench`')).toBe('speed-and-memory-npm-run-bench');
  expect(anchorOf("Today's outcomes")).toBe('todays-outcomes');
});

test('every relative link in README.md and docs/ leads to a file that exists, and to a heading in it', () => {
  const files = ['README.md', ...markdownFiles('docs')];
  const broken: string[] = [];
  let links = 0;
  for (const file of files) {
    for (const link of relativeLinks(readFileSync(file, 'utf8'))) {
      links++;
      const [path, anchor] = link.split('#') as [string, string | undefined];
      const target = path === '' ? file : join(dirname(file), decodeURI(path));
      if (!existsSync(target)) broken.push(`${file}: ${link} (no ${relative('.', target)})`);
      else if (anchor && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor))
        broken.push(`${file}: ${link} (no heading '${anchor}' in ${relative('.', target)})`);
    }
  }
  expect(links).toBeGreaterThan(20);
  expect(broken).toEqual([]);
});
