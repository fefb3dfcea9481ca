import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { ENV_NAMES } from '../common/config';
import { fail, parseOptions } from './args';

const USAGE = `Usage: npm run docs:examples [-- --check] [FILE ...]

Every example output in README.md and docs/ is made by a command. In a Markdown file, a line
  <!-- output of: npm run flows:check -->
directly followed by a fenced code block marks the block as that command's output (an optional first line
"$ <the command>" shows the command and is kept). The command must exit with status 0, or with the status the
marker gives after it:
  <!-- output of: npm run flows:check -- docs/examples/broken-flow (exit status 1) -->
Each command is run from the repository's root with the line's variables unset (NODE_ENV among them) and
LOG_LEVEL=silent; ANSI colours and npm's "> portal-line@…" lines are dropped, and what varies from run to run
(durations in ms, dates and times, absolute paths) is compared as placeholders.

  --check   change nothing: exit 1 with a diff for each block that is not what its command prints
  FILE      only these Markdown files (default: README.md and every .md under docs/)`;

export const MARKER = /^<!--\s*output of:\s*(.+?)(?:\s+\(exit status (\d+)\))?\s*-->\s*$/;

/** An example block: the command that makes it and where its text is, by line (0-based) in its file. */
export interface Example {
  command: string;
  /** The exit status the command is expected to end with: 0 unless the marker says "(exit status N)". */
  status: number;
  /** The marker's line. */
  line: number;
  /** The first and last line of the block's text, between its fences (last < first when it is empty). */
  first: number;
  last: number;
  /** The block's first line is "$ <command>", which is not part of the output. */
  prompt: boolean;
  /** The block's text as the command's output: without the prompt line. */
  body: string;
}

/** The examples of a Markdown text, and what is wrong with any marker (by 1-based line). */
export function findExamples(text: string): { examples: Example[]; problems: string[] } {
  const lines = text.split('\n');
  const examples: Example[] = [];
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = MARKER.exec(lines[i]!);
    if (!marker) continue;
    const command = marker[1]!;
    const open = /^(`{3,}|~{3,})/.exec(lines[i + 1] ?? '');
    if (!open) {
      problems.push(`line ${i + 1}: the marker for '${command}' must be followed directly by a fenced code block`);
      continue;
    }
    const fence = open[1]!;
    const closes = (line: string) => {
      const t = line.trim();
      return t.length >= fence.length && t === fence[0]!.repeat(t.length);
    };
    let close = i + 2;
    while (close < lines.length && !closes(lines[close]!)) close++;
    if (close >= lines.length) {
      problems.push(`line ${i + 2}: the code block after the marker for '${command}' is never closed`);
      continue;
    }
    const first = i + 2;
    const content = lines.slice(first, close);
    const prompt = content[0]?.startsWith('$ ') ?? false;
    if (prompt && content[0] !== `$ ${command}`)
      problems.push(`line ${first + 1}: the block shows '${content[0]}', but its marker runs '${command}'`);
    examples.push({
      command,
      status: Number(marker[2] ?? 0),
      line: i,
      first,
      last: close - 1,
      prompt,
      body: content.slice(prompt ? 1 : 0).join('\n'),
    });
    i = close;
  }
  return { examples, problems };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;

/**
 * A command's output as a document shows it: no ANSI colours, no npm banner ("> portal-line@1.0.0 script" and the
 * "> command" line under it), no trailing spaces, no blank lines at either end.
 */
export function cleanOutput(raw: string): string {
  const lines = raw.replace(ANSI, '').replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (/^> [^\s@]+@\S+ /.test(lines[i]!)) {
      if (lines[i + 1]?.startsWith('> ')) i++;
      continue;
    }
    kept.push(lines[i]!.trimEnd());
  }
  while (kept.length > 0 && kept[0] === '') kept.shift();
  while (kept.length > 0 && kept.at(-1) === '') kept.pop();
  return kept.join('\n');
}

/**
 * The parts of an output that vary from run to run, as fixed placeholders: absolute paths under the repository
 * (`root`) or the temporary folder, ISO timestamps, dates, clock times and durations in milliseconds.
 */
export function normalise(text: string, root: string, temp = tmpdir()): string {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let out = text;
  for (const [dir, name] of [
    [root, '<repo>'],
    [temp, '<tmp>'],
  ] as const) {
    if (dir.length > 1) out = out.replace(new RegExp(`${escape(dir.replace(/\/+$/, ''))}(?=/|\\b|$)`, 'g'), name);
  }
  return out
    .replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?/g, '<time>')
    .replace(/\b\d{4}-\d{2}-\d{2}\b/g, '<date>')
    .replace(/\b\d{1,2}:\d{2}:\d{2}(\.\d+)?\b/g, '<time>')
    .replace(/\b\d+(\.\d+)? ?ms\b/g, '<n> ms');
}

/** A line diff of two texts (longest common subsequence): "-" for the document's lines, "+" for the command's. */
export function lineDiff(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (i < a.length && (j >= b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  return out.join('\n');
}

/** `text` with each example's block replaced by the output given for it (the prompt line kept). */
export function rewrite(text: string, outputs: ReadonlyMap<Example, string>): string {
  const lines = text.split('\n');
  // From the last block up, so that the earlier blocks' line numbers hold.
  for (const [example, output] of [...outputs].sort(([x], [y]) => y.first - x.first)) {
    const block = [...(example.prompt ? [`$ ${example.command}`] : []), ...(output === '' ? [] : output.split('\n'))];
    lines.splice(example.first, example.last - example.first + 1, ...block);
  }
  return lines.join('\n');
}

/** The environment a command runs in: none of the line's variables, quiet logs, no colours. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', NO_COLOR: '1', FORCE_COLOR: '0' };
  for (const name of ENV_NAMES) if (name !== 'LOG_LEVEL') delete env[name];
  return env;
}

/** Runs a command from the root as a shell would; its output, standard error included, cleaned. */
function run(command: string, root: string): { output: string; status: number | null } {
  const result = spawnSync('bash', ['-c', `${command} 2>&1`], {
    cwd: root,
    env: cleanEnv(),
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return { output: cleanOutput(result.stdout ?? ''), status: result.status };
}

function markdownFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? markdownFiles(path) : name.endsWith('.md') ? [path] : [];
    });
}

function main(): void {
  const { values, positionals } = parseOptions({ check: { type: 'boolean' } }, USAGE);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const root = resolve(__dirname, '..', '..');
  const files =
    positionals.length > 0 ? positionals.map((p) => resolve(p)) : [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))];
  const failures: string[] = [];
  const written: string[] = [];
  let count = 0;
  for (const file of files) {
    const name = relative(root, file);
    const text = readFileSync(file, 'utf8');
    const { examples, problems } = findExamples(text);
    failures.push(...problems.map((p) => `${name}: ${p}`));
    const outputs = new Map<Example, string>();
    for (const example of examples) {
      count++;
      const { output, status } = run(example.command, root);
      const where = `${name}:${example.line + 1}: ${example.command}`;
      if (status !== example.status) {
        failures.push(`${where}\n  the command exited with status ${status}, not ${example.status} as its marker says:\n${output}`);
        continue;
      }
      if (normalise(example.body, root) === normalise(output, root)) continue;
      if (values.check)
        failures.push(
          `${where}\n  the block is not what the command prints (- the document, + the command):\n${lineDiff(example.body, output)}`,
        );
      else outputs.set(example, output);
    }
    if (outputs.size > 0) {
      writeFileSync(file, rewrite(text, outputs));
      written.push(`${name} (${outputs.size})`);
    }
  }
  if (failures.length > 0) fail(`${failures.join('\n\n')}\n\n${values.check ? 'run: npm run docs:examples' : ''}`.trimEnd());
  if (values.check) process.stdout.write(`${count} example output(s) are what their commands print\n`);
  else process.stdout.write(written.length === 0 ? `${count} example output(s) already up to date\n` : `wrote ${written.join(', ')}\n`);
}

if (require.main === module) main();
