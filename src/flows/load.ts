import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { didYouMean, LineError } from '../common/errors';
import { formatPath, parseWith, type Issue } from '../common/validation';
import { charactersNotInXml, checkFlow } from './check/check';
import { budgets, flowFile, type FlowFile } from './schema';
import { explainSyntax } from './check/yaml-errors';

/** A flow file that parsed and passed every check. */
export interface LoadedFlow {
  file: string;
  flow: FlowFile;
  /** A hash of the file's content: calls remember it so a changed flow can be told apart from the one they began on. */
  version: string;
}

export interface FileProblem {
  file: string;
  line?: number;
  node?: string;
  /** Empty for a problem with a node as a whole. */
  field: string;
  message: string;
}

export function formatProblem(p: FileProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  const what = p.node === undefined ? `field '${p.field}'` : p.field === '' ? `node '${p.node}'` : `node '${p.node}', field '${p.field}'`;
  return `${where}: ${what}: ${p.message}`;
}

const FLOW_FILE = /\.(ya?ml|json)$/;

/** Every field name the format knows, for suggestions when one is misspelt. */
const FIELD_NAMES = [
  ...Object.keys(flowFile.shape),
  ...Object.keys(flowFile.shape.phrases.shape),
  ...Object.keys(flowFile.shape.system.shape),
  ...Object.keys(flowFile.shape.system.shape.dialFailed.shape),
  ...Object.keys(budgets.shape),
  'type',
  'say',
  'note',
  'options',
  'key',
  'label',
  'goto',
  'yes',
  'no',
  'unsure',
  'solved',
  'more',
  'reason',
];
const NODE_TYPES = ['menu', 'question', 'instructions', 'transfer', 'end'];

/** Turns zod's issues into ones a person editing the file can act on: one per unknown field, with suggestions. */
function explain(issue: Issue, data: unknown): Issue[] {
  if (issue.unknownKeys !== undefined)
    return issue.unknownKeys.map((key) => ({
      path: [...issue.path, key],
      message:
        key === ''
          ? `a field with no name; a text that starts with { or [ is read as something else unless it is in double quotes`
          : `unknown field '${key}'${didYouMean(key, FIELD_NAMES)}`,
    }));
  // `say: {label} ...`, `say: [Note] ...`, `say: 12`, `say: yes` read as a map, a list, a number or a boolean.
  if (/expected string, received/.test(issue.message)) {
    const given = issue.path.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], data);
    if (given !== undefined && given !== null) {
      const what = Array.isArray(given) ? 'a list' : typeof given === 'object' ? 'a map of fields' : `a ${typeof given}`;
      return [{ ...issue, message: `must be text, but YAML read ${what} here; put the text in double quotes` }];
    }
  }
  if (issue.path.at(-1) === 'type' && issue.path[0] === 'nodes') {
    const given = issue.path.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], data);
    if (typeof given === 'string') return [{ ...issue, message: `${issue.message}${didYouMean(given, NODE_TYPES)}` }];
  }
  return [issue];
}

/** Parses and checks one flow file's text. `file` only names it in problems. */
export function parseFlowText(file: string, source: string): { flow?: LoadedFlow; problems: FileProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0)
    return { problems: explainSyntax(source, doc.errors, (offset) => lineCounter.linePos(offset).line).map((p) => ({ file, ...p })) };
  const lineOf = (path: (string | number)[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const found = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (found?.range) return lineCounter.linePos(found.range[0]).line;
      const pair =
        n > 0
          ? (doc.getIn(path.slice(0, n - 1), true) as { items?: { key?: { value?: unknown; range?: [number] } }[] } | undefined)
          : undefined;
      const key = pair?.items?.find((i) => i.key?.value === path[n - 1])?.key;
      if (key?.range) return lineCounter.linePos(key.range[0]).line;
    }
    return undefined;
  };
  /** `node` names the node a problem is at when its field is elsewhere (a shared word of the speech block). */
  const locate = (path: (string | number)[], message: string, node?: string): FileProblem => {
    const inNode = path[0] === 'nodes' && typeof path[1] === 'string';
    const rest = inNode ? path.slice(2) : path;
    return {
      file,
      line: lineOf(path),
      ...(inNode ? { node: path[1] as string } : node === undefined ? {} : { node }),
      field: formatPath(rest),
      message,
    };
  };

  const data: unknown = doc.toJS();
  const characters = charactersNotInXml(data).map((p) => locate(p.path, p.message));
  const parsed = parseWith(flowFile, data);
  if (!parsed.ok)
    return { problems: [...parsed.issues.flatMap((i) => explain(i, data)).map((i) => locate(i.path, i.message)), ...characters] };
  const problems = [...checkFlow(parsed.value).map((p) => locate(p.path, p.message, p.node)), ...characters];
  if (problems.length > 0) return { problems };
  const version = createHash('sha256').update(source).digest('hex').slice(0, 12);
  return { flow: { file, flow: parsed.value, version }, problems: [] };
}

/** Reads and checks every flow file in `dir`. Returns all flows and all problems; never throws for bad content. */
export function readFlowDir(dir: string): { flows: LoadedFlow[]; problems: FileProblem[] } {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => FLOW_FILE.test(n))
      .sort();
  } catch (error) {
    throw new LineError('FLOW_FILE_UNREADABLE', `cannot read the call-flow folder '${dir}': ${(error as Error).message}`);
  }
  const flows: LoadedFlow[] = [];
  const problems: FileProblem[] = [];
  if (names.length === 0) problems.push({ file: dir, field: '(folder)', message: 'no flow files (*.yaml, *.yml or *.json)' });
  const owner = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    const result = parseFlowText(file, readFileSync(file, 'utf8'));
    problems.push(...result.problems);
    if (result.flow === undefined) continue;
    const other = owner.get(result.flow.flow.id);
    if (other !== undefined) {
      problems.push({ file, field: 'id', message: `flow id '${result.flow.flow.id}' is already used by ${other}` });
      continue;
    }
    owner.set(result.flow.flow.id, file);
    flows.push(result.flow);
  }
  return { flows, problems };
}

/** Reads every flow in `dir`, throwing one LineError that lists every problem. */
export function loadFlows(dir: string): LoadedFlow[] {
  const { flows, problems } = readFlowDir(dir);
  if (problems.length > 0) {
    throw new LineError(
      'FLOW_INVALID',
      `the call flows have ${problems.length} problem(s):\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    );
  }
  return flows;
}
