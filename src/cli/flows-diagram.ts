import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagramPage, flowDiagram } from '../flows/diagram';
import { loadFlows } from '../flows/load';
import { fail, parseOptions } from './args';

const USAGE = `Usage: npm run flows:diagram [-- --check] [--out docs/flows] [--flows call-flows] [--page docs/writing-flows.md]

Writes a Mermaid diagram of each flow to docs/flows/<id>.md and into docs/writing-flows.md (--page) between
its flow-diagram markers. With --check nothing is written: it exits 1 when a diagram is out of date with its flow.`;

const { values } = parseOptions(
  { check: { type: 'boolean' }, out: { type: 'string' }, flows: { type: 'string' }, page: { type: 'string' } },
  USAGE,
);
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const out = values.out ?? 'docs/flows';
const readmePath = values.page ?? 'docs/writing-flows.md';
let flows;
try {
  flows = loadFlows(values.flows ?? process.env.FLOWS_DIR ?? 'call-flows');
} catch (error) {
  fail((error as Error).message);
}

const stale: string[] = [];
const update = (path: string, content: string) => {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (current === content) return;
  stale.push(path);
  if (!values.check) writeFileSync(path, content);
};

if (!values.check) mkdirSync(out, { recursive: true });
let readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '';
const missingMarkers: string[] = [];
// A page left over from a flow that is gone, or renamed, is out of date too.
const pages = new Set(flows.map((f) => `${f.flow.id}.md`));
for (const name of existsSync(out) ? readdirSync(out).filter((n) => n.endsWith('.md') && !pages.has(n)) : []) {
  stale.push(join(out, name));
  if (!values.check) rmSync(join(out, name));
}
for (const loaded of flows) {
  update(join(out, `${loaded.flow.id}.md`), diagramPage(loaded));
  const start = `<!-- flow-diagram:${loaded.flow.id}:start -->`;
  const end = `<!-- flow-diagram:${loaded.flow.id}:end -->`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from >= 0 && to > from)
    readme = `${readme.slice(0, from + start.length)}\n\`\`\`mermaid\n${flowDiagram(loaded)}\`\`\`\n${readme.slice(to)}`;
  else missingMarkers.push(`${start} ... ${end}`);
}
if (readme !== '') update(readmePath, readme);

if (missingMarkers.length > 0)
  fail(`${readmePath} has no place for these diagrams; add the markers where each should go:\n  ${missingMarkers.join('\n  ')}`);
if (values.check) {
  if (stale.length > 0) fail(`out of date with the flows: ${stale.join(', ')}\nrun: npm run flows:diagram`);
  process.stdout.write(`diagrams of ${flows.length} flow(s) are up to date\n`);
} else {
  process.stdout.write(stale.length === 0 ? 'diagrams already up to date\n' : `wrote ${stale.join(', ')}\n`);
}
