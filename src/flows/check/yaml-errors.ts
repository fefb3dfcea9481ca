import type { YAMLError } from 'yaml';
import { formatPath } from '../../common/validation';

/**
 * YAML syntax errors in a flow file, said for the person editing its text: where (the node and the field whose
 * block holds the error, found from the indentation, since a file that does not parse has no tree to ask) and,
 * for the usual causes (a colon, an apostrophe or a quote in unquoted or wrongly quoted text), how to write it.
 */

export interface SyntaxProblem {
  line: number;
  node?: string;
  field: string;
  message: string;
}

/** `key: rest`, `- key: rest` or `"key": rest`, with its indentation counted up to the key. */
const KEY_LINE = /^([ \t]*)(- +)?(["']?)([^\s"'#:][^"'#:]*?)\3:(?: +(.*))?$/;

interface KeyLine {
  indent: number;
  /** The indentation of its dash, when the line starts an item of a list. */
  dash?: number;
  key: string;
  value: string;
}

function keyLine(text: string): KeyLine | undefined {
  const m = KEY_LINE.exec(text.replace(/\s+$/, ''));
  if (m === null) return undefined;
  const item = m[2] === undefined ? {} : { dash: m[1]!.length };
  return { indent: m[1]!.length + (m[2]?.length ?? 0), ...item, key: m[4]!, value: m[5] ?? '' };
}

const skipped = (text: string) => text.trim() === '' || text.trimStart().startsWith('#');

/** The position in its list of the item starting on line `i` (0-based) with its dash at column `dash`. */
function itemIndex(lines: readonly string[], i: number, dash: number): number {
  let index = 0;
  for (let j = i - 1; j >= 0; j--) {
    const above = keyLine(lines[j]!);
    if (above === undefined) continue;
    if (above.dash === dash) index++;
    else if (above.indent <= dash) break;
  }
  return index;
}

/**
 * The keys (and list positions) of the blocks holding line `n` (1-based), outermost first: e.g.
 * ['nodes', 'main-menu', 'options', 1, 'label']. Read from the indentation alone.
 */
function keysAt(lines: readonly string[], n: number): (string | number)[] {
  const keys: (string | number)[] = [];
  let limit = Infinity; // a block holding the line is indented less than everything found so far
  for (let i = Math.min(n, lines.length) - 1; i >= 0 && limit > 0; i--) {
    const text = lines[i]!;
    if (skipped(text)) continue;
    const found = keyLine(text);
    const indent = found?.indent ?? text.length - text.trimStart().length;
    if (i === n - 1 && found === undefined) limit = indent; // a text's second line: its key is above
    if (found === undefined) continue;
    // An item of a list holds the lines below it that are indented like its first key.
    const holdsItem = found.dash !== undefined && found.dash < limit;
    if (found.indent < limit) keys.unshift(found.key);
    else if (!holdsItem) continue;
    limit = found.indent;
    if (holdsItem) {
      keys.unshift(itemIndex(lines, i, found.dash!));
      limit = found.dash!;
    }
  }
  return keys;
}

/** `text` in double quotes, as YAML reads it back. */
const doubleQuoted = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
/** `text` in single quotes, as YAML reads it back: an apostrophe inside is doubled. */
const singleQuoted = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * The error said for a person, with what to write instead where the cause is a text not quoted as YAML needs;
 * undefined when only the parser's own words fit.
 */
function advice(error: YAMLError, line: KeyLine | undefined, said: string): string | undefined {
  const value = line?.value ?? '';
  const fix = (text: string) => `write it as ${line!.key}: ${text}`;
  switch (error.code) {
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      if (line !== undefined && /: /.test(value) && !/^["']/.test(value))
        return `the text has a colon followed by a space, which YAML reads as the start of another field; put the whole text in double quotes: ${fix(doubleQuoted(value))}`;
      return undefined;
    case 'UNEXPECTED_TOKEN':
      if (line === undefined) return undefined;
      if (value.startsWith("'")) {
        // 'It's here.': the apostrophe closed the text. Inside single quotes an apostrophe is written twice.
        // 'Forgot' is the link.: the text only starts with a quoted word, and is all the text.
        const text = value.endsWith("'") ? value.slice(1, -1).replace(/''/g, "'") : value;
        return `a text in single quotes ends at the next apostrophe; put it in double quotes instead, ${fix(doubleQuoted(text))} (or write each apostrophe inside twice: ${singleQuoted(text)})`;
      }
      if (value.startsWith('"')) {
        // "Press the "Forgot" link.": the second quote closed the text.
        // "Forgot password" is the link.: the text only starts with a quoted word, and is all the text.
        const text = value.endsWith('"') ? value.slice(1, -1).replace(/\\"/g, '"') : value;
        return `a text in double quotes ends at the next double quote; for quotes inside it, put it in single quotes instead: ${fix(singleQuoted(text))} (or write each quote inside as \\")`;
      }
      if (/^[{[]/.test(value))
        return `a text that starts with ${value[0]} is read as something else unless it is in quotes: ${fix(doubleQuoted(value))}`;
      return value === '' ? undefined : `${said}: if this is one text, put it in double quotes: ${fix(doubleQuoted(value))}`;
    case 'MISSING_CHAR':
      if (line !== undefined && /^["']/.test(value))
        return `the text's closing ${value.startsWith('"') ? 'double quote' : 'apostrophe'} is missing; end the text with ${value[0]}${value.startsWith("'") ? " (an apostrophe inside single quotes is written twice: it''s)" : ''}`;
      return undefined;
    case 'TAB_AS_INDENT':
      return `${said}: indent with spaces`;
    case 'BAD_INDENT':
      return said.startsWith('All mapping items')
        ? `${said}: the fields of one node line up under each other, indented with spaces`
        : undefined;
    case 'DUPLICATE_KEY':
      return line === undefined ? undefined : `'${line.key}' is given twice here; keep one`;
    default:
      return undefined;
  }
}

/** After one of these the file's structure is lost, and later errors mostly follow from it. */
const STRUCTURAL = new Set(['TAB_AS_INDENT', 'BAD_INDENT', 'BAD_DIRECTIVE', 'MISSING_CHAR']);

/**
 * One problem per YAML error, located by node and field, the first error of a node only, and nothing after an
 * error that loses the file's structure (with a count of what was left out).
 */
export function explainSyntax(source: string, errors: readonly YAMLError[], lineOf: (offset: number) => number): SyntaxProblem[] {
  const lines = source.split(/\r?\n/);
  const problems: SyntaxProblem[] = [];
  const seen = new Set<string>();
  for (const [i, error] of errors.entries()) {
    const line = lineOf(error.pos[0]);
    const own = keyLine(lines[line - 1] ?? '');
    // A line indented wrongly (with a tab, or too far) belongs to the node of the line before it.
    const misplaced = (error.code === 'TAB_AS_INDENT' || error.code === 'BAD_INDENT') && own !== undefined;
    let before = line - 1;
    while (before > 1 && skipped(lines[before - 1]!)) before--;
    const keys = misplaced ? [...keysAt(lines, before).slice(0, 2), own.key] : keysAt(lines, line);
    const inNode = keys[0] === 'nodes' && keys.length >= 2;
    const where = inNode ? `node:${keys[1]}` : `line:${line}`;
    if (seen.has(where)) continue;
    seen.add(where);
    const said = error.message.split('\n')[0]!.replace(/\s+at line \d+, column \d+:?$/, '');
    const hint = advice(error, own, said);
    const rest = errors.length - i - 1;
    const after =
      STRUCTURAL.has(error.code) && rest > 0 ? ` (${rest} more YAML error(s) after this one are left out: fix it and check again)` : '';
    problems.push({
      line,
      ...(inNode ? { node: String(keys[1]) } : {}),
      field: inNode ? formatPath(keys.slice(2)).replace('(top level)', '') : keys.length > 0 ? formatPath(keys) : '(file)',
      message: `not valid YAML: ${hint ?? said}${after}`,
    });
    if (after !== '') break;
  }
  return problems;
}
