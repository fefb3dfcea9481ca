import { DEFAULT_BSD_NUMBER } from '../common/config';
import { formatProblem, readFlowDir, type FileProblem } from '../flows/load';
import { summaryLine } from '../timing/report';
import { timeFlow } from '../timing/time-flow';
import { fail, parseOptions } from './args';
import { DEFAULT_SPEECH, exampleProblems } from '../engine/understanding/speech';
import { announcementProblems } from '../announcement/announcement-check';

const USAGE = `Usage: npm run flows:check [-- FOLDER]

Checks every flow file in FOLDER (default: FLOWS_DIR, else call-flows): its shape, and what a person editing it
can get wrong (targets that do not exist, unreachable nodes, nodes with no way to a transfer or an end, keys
used twice or taken from 0, * and 9, unknown placeholders, where the flow listens for speech a menu option
without words or examples, a word given to two choices of one question, an example the line would take for
another choice), the announcement's saved wordings (plain words, within its maxSeconds, the greeting and one
within the prompt budget), and the listening-time budgets in its \`budgets\`
(npm run flows:timing shows every path). Lists every problem; exits 1 if there is any.`;

const { values, positionals } = parseOptions({}, USAGE);
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const dir = positionals[0] ?? process.env.FLOWS_DIR ?? 'call-flows';
let result;
try {
  result = readFlowDir(dir);
} catch (error) {
  fail((error as Error).message);
}
const problems: FileProblem[] = [...result.problems];
for (const loaded of result.flows) {
  process.stdout.write(
    `ok   ${loaded.file}: flow '${loaded.flow.id}', version ${loaded.version}, ${Object.keys(loaded.flow.nodes).length} nodes\n`,
  );
  for (const p of exampleProblems(loaded.flow))
    problems.push({ file: loaded.file, ...(p.node === undefined ? {} : { node: p.node }), field: p.field, message: p.message });
  const timed = timeFlow(loaded, { bsdNumber: DEFAULT_BSD_NUMBER, speech: DEFAULT_SPEECH, textMessages: true });
  // The desk's announcement: its saved wordings, and the first prompt with one on.
  for (const p of announcementProblems(loaded.flow, timed.timing)) problems.push({ file: loaded.file, ...p });
  if (loaded.flow.budgets === undefined) continue;
  if (timed.problems.length === 0)
    process.stdout.write(`ok   ${loaded.file}: listening times keep its budgets: ${summaryLine(timed.timing)}\n`);
  problems.push(...timed.problems.map((p) => ({ file: loaded.file, ...p })));
}
for (const problem of problems) process.stdout.write(`FAIL ${formatProblem(problem)}\n`);
if (problems.length > 0) fail(`\n${problems.length} problem(s) in ${dir}`);
process.stdout.write(`\nall ${result.flows.length} flow(s) in ${dir} are sound\n`);
