import { existsSync } from 'node:fs';
import { loadConfig, type Config } from '../common/config';
import { createLogger } from '../common/log';
import { LineError } from '../common/errors';
import { FlowRegistry } from '../engine/registry';
import { createBackend } from '../backend/connect';
import type { FlowFile } from '../flows/schema';
import { dayOf } from '../desk/time';
import { daysEnding, insightsReport, leftAt, percent, type InsightsReport, type NodeRow } from '../insights/insights-report';
import { parseOptions } from './args';

const USAGE = `Usage: npm run flows:insights [-- [--since PERIOD | --from DAY [--to DAY]] [--flow ID] [--json]]

Prints, for each decision point of the flow, what callers did there over a period: the calls that reached it, each
choice taken by key and by voice, answers not understood, wrong keys, silences, asked for the desk, went on to the
desk, hung up, solved; then how the calls of each day ended and the flow versions they began on. Reads the store the
line uses (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES, as the line is configured; a line without Redis keeps
its insights in its own memory, where no command can read them). The desk page shows the same at /desk/insights.

  --since PERIOD  today, or a number of days ending today: 7d (the default), 30d, 90d
  --from DAY      the first day (YYYY-MM-DD), to --to DAY or today; days are the desk's (DESK_TIME_ZONE)
  --flow ID       the flow (default ENTRY_FLOW)
  --json          the report as JSON, for other tools`;

/** How long the command waits for the store to answer. */
const STORE_WAIT_MS = 5_000;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The days a command's options ask for, oldest first; a message when they ask for something else. */
export function periodDays(options: { since?: string; from?: string; to?: string }, today: string, maxDays: number): string[] | string {
  if (options.since !== undefined && options.from !== undefined) return '--since and --from cannot be used together';
  if (options.from !== undefined) {
    const to = options.to ?? today;
    for (const [name, day] of [
      ['--from', options.from],
      ['--to', to],
    ] as const)
      if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T12:00:00Z`)) || new Date(`${day}T12:00:00Z`).toISOString().slice(0, 10) !== day)
        return `${name} must be a day such as 2026-12-01`;
    const length = Math.round((Date.parse(`${to}T12:00:00Z`) - Date.parse(`${options.from}T12:00:00Z`)) / 86_400_000) + 1;
    if (length < 1) return '--from must not be after --to';
    if (length > maxDays) return `a period is at most ${maxDays} days (INSIGHTS_RETENTION_DAYS)`;
    return daysEnding(to, length);
  }
  if (options.to !== undefined) return '--to needs --from';
  const since = options.since ?? '7d';
  const match = /^(?:today|(\d{1,3})d)$/.exec(since);
  const length = since === 'today' ? 1 : Number(match?.[1]);
  if (match === null || !(length >= 1)) return '--since must be today or a number of days such as 7d or 30d';
  if (length > maxDays) return `--since is at most ${maxDays}d (INSIGHTS_RETENTION_DAYS)`;
  return daysEnding(today, length);
}

const cell = (n: number) => String(n);

/** One node's line of the table: its figures, and its choices beneath it. */
function nodeLines(row: NodeRow, flow: FlowFile): string[] {
  const asked = row.deskAsked.byKey + row.deskAsked.byVoice;
  const figures = [row.reached, row.notUnderstood, row.wrong, row.silences, asked, row.toDesk, row.hungUp, row.solved].map((n) =>
    cell(n).padStart(8),
  );
  const lines = [`${row.node.padEnd(30)}${figures.join('')}   ${percent(leftAt(row, flow), row.reached).padStart(4)} left here`];
  for (const c of row.choices) {
    if (c.byKey + c.byVoice === 0) continue;
    const share = percent(c.byKey + c.byVoice, row.reached);
    lines.push(
      `    ${`${c.key}: ${c.label}`.slice(0, 44).padEnd(46)}${cell(c.byKey).padStart(6)} by key ${cell(c.byVoice).padStart(6)} by voice  ${share.padStart(4)}`,
    );
  }
  return lines;
}

/** The report as the command prints it. */
export function formatReport(report: InsightsReport, flow: FlowFile): string {
  const { totals } = report;
  const head = ['reached', 'not und', 'wrong', 'silent', 'asked', 'to desk', 'hung up', 'solved'].map((h) => h.padStart(8)).join('');
  const out = [
    `Flow ${report.flowId}, ${report.from === report.to ? report.from : `${report.from} to ${report.to}`}: ${totals.calls} call${totals.calls === 1 ? '' : 's'}; ` +
      `${totals.solved} solved by self-service (${percent(totals.solved, totals.calls)}), ${totals.desk} ended at the desk (${percent(totals.desk, totals.calls)}), ` +
      `${totals.hungUp} hung up mid-way (${percent(totals.hungUp, totals.calls)})` +
      (totals.rescued === 0 ? '' : `; ${totals.rescued} sent to the desk by a fault of the line`),
    '',
    `${'node'.padEnd(30)}${head}`,
    ...report.nodes.flatMap((row) => nodeLines(row, flow)),
    '',
    `${'day'.padEnd(12)}${['calls', 'solved', 'desk', 'hung up'].map((h) => h.padStart(8)).join('')}   flow versions`,
    ...report.days.map(
      (d) =>
        `${d.day.padEnd(12)}${[d.calls, d.solved, d.desk, d.hungUp].map((n) => cell(n).padStart(8)).join('')}   ${d.versions.map((v) => `${v.version} (${v.calls})`).join(', ')}`,
    ),
  ];
  return `${out.join('\n')}\n`;
}

/**
 * What `read` gives once the store answers: a backend made from the configuration sends nothing before its connection
 * is up. Only reads: a read-only replica or user is enough for this command.
 */
async function readWhenUp<T>(read: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + STORE_WAIT_MS;
  for (;;) {
    try {
      return await read();
    } catch (error) {
      if (Date.now() >= deadline) throw new Error(`no answer within ${STORE_WAIT_MS / 1000} s (${(error as Error).message})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

const STD: Output = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export async function main(argv = process.argv.slice(2), environment: NodeJS.ProcessEnv = process.env, io: Output = STD): Promise<number> {
  const { values, positionals } = parseOptions(
    { since: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, flow: { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
    argv,
  );
  if (values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) {
    io.err(`unexpected argument '${positionals[0]}' (a period is given with --since, such as --since 30d)\n\n${USAGE}\n`);
    return 2;
  }
  let config: Config;
  try {
    config = loadConfig(environment);
  } catch (error) {
    io.err(`cannot read the insights: ${error instanceof LineError ? error.message : String(error)}\n`);
    return 2;
  }
  if (config.REDIS_URL === undefined && config.REDIS_SENTINELS === undefined && config.REDIS_CLUSTER_NODES === undefined) {
    io.err(
      'cannot read the insights: the line is configured without Redis (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES), so it keeps them in its own memory; open /desk/insights on the line instead\n',
    );
    return 2;
  }
  if (config.INSIGHTS_RETENTION_DAYS === 0) {
    io.err('cannot read the insights: INSIGHTS_RETENTION_DAYS=0, so the line counts nothing\n');
    return 2;
  }
  let flows: FlowRegistry;
  try {
    flows = FlowRegistry.fromDir(config.FLOWS_DIR, values.flow ?? config.ENTRY_FLOW);
  } catch (error) {
    io.err(`cannot read the insights: ${(error as Error).message}\n`);
    return 2;
  }
  const days = periodDays(values, dayOf(new Date(), config.DESK_TIME_ZONE), config.INSIGHTS_RETENTION_DAYS);
  if (typeof days === 'string') {
    io.err(`${days}\n\n${USAGE}\n`);
    return 2;
  }
  const flow = flows.entry.flow;
  const backend = createBackend(config, createLogger('silent'));
  try {
    const report = insightsReport(flow, days, await readWhenUp(() => backend.insights.read(flow.id, days)));
    io.out(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, flow));
    return 0;
  } catch (error) {
    io.err(`cannot read the insights from ${backend.name}: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await backend.close();
  }
}

if (require.main === module) {
  // A .env file in the working directory, as `npm start` reads it; variables already set in the environment win.
  if (existsSync('.env')) process.loadEnvFile('.env');
  // The exit code is set, not exited with: a report piped to another program is written out in full first.
  main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
