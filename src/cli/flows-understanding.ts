import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readFlowDir } from '../flows/load';
import { DEFAULT_SPEECH } from '../engine/understanding/speech';
import { evaluate, readEvaluationSet, tune, understoodShare, type Figures, type Part } from '../engine/understanding/evaluation';
import { fail, parseOptions } from './args';

const USAGE = `Usage: npm run flows:understanding [-- FOLDER] [--misses] [--check]

How well the line understands spoken answers: each flow's evaluation set (FOLDER/answers/<flow id>.yaml: what
callers said at each decision point, and what they meant) put through the line's reading of an answer. Prints, per
decision point and for the tuning and held-out parts: answers, understood at once, confirmed first ("Did you say
…?", answered yes), asked again, wrong branch, and irrelevant answers asked again.
  --misses   also list the tuning part's answers that were not understood (the held-out part's are never listed:
             it must not be used to write examples)
  --tune     suggest the thresholds (UNDERSTANDING in src/engine/understanding/speech.ts) that understand the most of the
             tuning part with no wrong branch and every irrelevant answer asked again
  --check    exit 1 unless, on the held-out part, at least ${90}% is understood, no answer goes to a wrong branch, and
             every irrelevant answer is asked again`;

/** What CI holds on the held-out part. */
const TARGET = { understood: 0.9, wrong: 0 } as const;

const { values, positionals } = parseOptions({ misses: { type: 'boolean' }, check: { type: 'boolean' }, tune: { type: 'boolean' } }, USAGE);
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const dir = positionals[0] ?? process.env.FLOWS_DIR ?? 'call-flows';
const { flows, problems } = readFlowDir(dir);
if (problems.length > 0) fail(`${dir}: the flows have problems; run npm run flows:check`);

const pct = (n: number, of: number) => (of === 0 ? '-' : `${((100 * n) / of).toFixed(0)}%`);
const row = (name: string, f: Figures) =>
  `| ${name} | ${f.answers} | ${pct(understoodShare(f) * (f.answers - f.irrelevant), f.answers - f.irrelevant)} | ${f.understood} | ${f.confirmed} | ${f.askedAgain - f.irrelevantAskedAgain} | ${f.wrong} | ${f.irrelevantAskedAgain} of ${f.irrelevant} |`;

let failed = false;
for (const loaded of flows) {
  const file = join(dir, 'answers', `${loaded.flow.id}.yaml`);
  if (!existsSync(file)) {
    process.stdout.write(`${loaded.file}: no evaluation set (${file})\n`);
    continue;
  }
  const set = readEvaluationSet(file);
  if (values.tune) {
    const { thresholds, figures } = tune(loaded.flow, set, DEFAULT_SPEECH);
    process.stdout.write(
      `${loaded.flow.id}: thresholds from the tuning part: ${JSON.stringify(thresholds)}\n${row('tuning, with them', figures)}\n`,
    );
    continue;
  }
  for (const part of ['tuning', 'heldOut'] as Part[]) {
    const { points, total, misses } = evaluate(loaded.flow, set, part, DEFAULT_SPEECH);
    process.stdout.write(`\n${loaded.flow.id}, ${part === 'tuning' ? 'tuning part' : 'held-out part'} (${file})\n\n`);
    process.stdout.write(
      '| decision point | answers | understood (with confirmed) | understood at once | confirmed first | asked again | wrong branch | irrelevant asked again |\n|---|---|---|---|---|---|---|---|\n',
    );
    for (const [id, figures] of points) process.stdout.write(`${row(id, figures)}\n`);
    process.stdout.write(`${row('**all**', total)}\n`);
    if (part === 'tuning' && values.misses)
      for (const m of misses) process.stdout.write(`  ${m.outcome.padEnd(10)} ${m.point}: ${JSON.stringify(m.said)} (meant ${m.meant})\n`);
    if (part === 'heldOut' && values.check) {
      const share = understoodShare(total);
      const reasons = [
        ...(share < TARGET.understood ? [`understood ${pct(share * 100, 100)} < ${TARGET.understood * 100}%`] : []),
        ...(total.wrong > TARGET.wrong ? [`${total.wrong} wrong branch(es)`] : []),
        ...(total.irrelevantAskedAgain < total.irrelevant
          ? [`${total.irrelevant - total.irrelevantAskedAgain} irrelevant answer(s) not asked again`]
          : []),
      ];
      if (reasons.length > 0) {
        failed = true;
        process.stdout.write(`\nFAIL ${loaded.flow.id}, held-out part: ${reasons.join('; ')}\n`);
      } else
        process.stdout.write(
          `\nok   ${loaded.flow.id}, held-out part: understood ${pct(share * 100, 100)}, no wrong branch, every irrelevant answer asked again\n`,
        );
    }
  }
}
if (failed) process.exit(1);
