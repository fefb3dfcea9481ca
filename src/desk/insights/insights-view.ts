import type { FlowFile } from '../../flows/schema';
import { percent, type InsightsReport, type NodeRow } from '../../insights/insights-report';
import { html, type Html } from '../views/html';
import { layout, type PageContext } from '../views/pages';
import { longDayOf } from '../time';
import { containmentChart, versionChanges } from './containment-chart';
import { flowDrawing, flowLegend, toneOf } from './flow-drawing';
import { PERIODS, type InsightsAsk, type InsightsQuery, type Period, type PeriodName } from './insights-query';

/** Who is looking, for the page's header and its sign-out form. */
export interface Viewer {
  user: string;
  csrf: string;
}

export interface InsightsView extends Viewer {
  flow: FlowFile;
  ask: InsightsAsk;
  report: InsightsReport;
  /** The report of the period compared with, when one is. */
  compared?: InsightsReport;
  today: string;
  retentionDays: number;
}

/** A change of share in percentage points, "+12 pts"; "–" when either share has nothing to share. */
export function pointsChange(part: number, whole: number, vsPart: number, vsWhole: number): string {
  if (whole === 0 || vsWhole === 0) return '–';
  const points = Math.round((part / whole) * 100) - Math.round((vsPart / vsWhole) * 100);
  return `${points > 0 ? '+' : points < 0 ? '−' : '±'}${Math.abs(points)} pts`;
}

function header(ctx: PageContext, viewer: Viewer): Html {
  return html`<a class="skip" href="#insights-main">Skip to the insights</a>
    <header class="top">
      <h1>Business Support Desk <span class="sub">Flow insights</span></h1>
      <nav class="desk-nav" aria-label="Desk pages">
        <a href="${ctx.base}">Live transfers</a>
        <a href="${ctx.base}/insights" aria-current="page">Flow insights</a>
      </nav>
      <form class="sign-out" method="post" action="${ctx.base}/sign-out">
        <input type="hidden" name="csrf" value="${viewer.csrf}" />
        <span>Signed in as <strong>${viewer.user}</strong></span>
        <button type="submit">Sign out</button>
      </form>
    </header>`;
}

/** The periods by name, the comparison with the period before, and a form for any days. */
function periodPicker(ctx: PageContext, query: InsightsQuery, named: PeriodName | undefined, today: string, retentionDays: number): Html {
  const oldest = new Date(Date.parse(`${today}T12:00:00Z`) - (retentionDays - 1) * 86_400_000).toISOString().slice(0, 10);
  const comparing = query.compare === 'previous';
  const link = (period: PeriodName, compare: boolean) => `${ctx.base}/insights?period=${period}${compare ? '&compare=previous' : ''}`;
  const names: Record<PeriodName, string> = { today: 'Today', '7d': '7 days', '30d': '30 days' };
  return html`<section class="periods" aria-labelledby="period-heading">
    <h2 id="period-heading" class="visually-hidden">Period</h2>
    <nav class="period-links" aria-label="Period">
      ${(Object.keys(PERIODS) as PeriodName[]).map(
        (p) => html`<a href="${link(p, comparing)}" ${p === named ? html` aria-current="page"` : ''}>${names[p]}</a>`,
      )}
      ${
        named === undefined
          ? ''
          : html`<a class="compare-link" href="${link(named, !comparing)}"
              >${comparing ? 'Stop comparing' : 'Compare with the period before'}</a
            >`
      }
    </nav>
    <form class="range-form" method="get" action="${ctx.base}/insights">
      <fieldset>
        <legend>Or choose the days</legend>
        ${DAY_FIELDS.map(
          ([name, label]) =>
            html`<p>
              <label for="${name}">${label}</label>
              <input type="date" id="${name}" name="${name}" min="${oldest}" max="${today}" value="${query[name] ?? ''}" />
            </p>`,
        )}
        <p><button type="submit">Show</button></p>
      </fieldset>
      <p class="hint">Days are the desk's days; counts are kept ${retentionDays} days (from ${oldest}).</p>
    </form>
  </section>`;
}

const periodWords = (p: Period) => (p.from === p.to ? longDayOf(p.from) : `${longDayOf(p.from)} to ${longDayOf(p.to)}`);

/** The form's days: the period's first and last, and those of the period compared with it. */
const DAY_FIELDS = [
  ['from', 'From'],
  ['to', 'To'],
  ['vsFrom', 'Compared with: from'],
  ['vsTo', 'to'],
] as const;

/** The calls of each period and how they ended, side by side. */
function summary(view: InsightsView): Html {
  const { report, compared, ask } = view;
  const rows: { key: 'calls' | 'solved' | 'desk' | 'hungUp' | 'rescued'; label: string }[] = [
    { key: 'calls', label: 'Calls' },
    { key: 'solved', label: 'Solved by self-service' },
    { key: 'desk', label: 'Ended at the desk' },
    { key: 'hungUp', label: 'Hung up mid-way' },
    // Not an ending: callers a fault of the line sent to the desk, whose state may be lost (then their end is not counted).
    { key: 'rescued', label: 'Sent to the desk by a fault of the line' },
  ];
  const ended = (r: InsightsReport) => r.totals.solved + r.totals.desk + r.totals.hungUp;
  const share = (r: InsightsReport, key: (typeof rows)[number]['key']) =>
    key === 'calls' || key === 'rescued' ? '' : percent(r.totals[key], ended(r));
  return html`<section class="panel" id="summary" aria-labelledby="summary-heading">
    <h2 id="summary-heading">${ask.period.name} <span class="sub">${periodWords(ask.period)}</span></h2>
    ${
      ask.compared === undefined
        ? ''
        : html`<p class="compared-with">Compared with ${ask.compared.name.toLowerCase()}: ${periodWords(ask.compared)}</p>`
    }
    ${report.totals.calls === 0 ? html`<p class="notice-none">No calls were counted in this period.</p>` : ''}
    <div class="table-scroll">
      <table class="summary">
        <caption class="visually-hidden">
          Calls and how they ended
        </caption>
        <thead>
          <tr>
            <th scope="col"></th>
            <th scope="col" colspan="2">${ask.period.name}</th>
            ${
              compared === undefined || ask.compared === undefined
                ? ''
                : html`<th scope="col" colspan="2">${ask.compared.name}</th>
                    <th scope="col">Change</th>`
            }
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (r) =>
              html`<tr data-measure="${r.key}">
                <th scope="row">${r.label}</th>
                <td data-field="calls">${report.totals[r.key]}</td>
                <td data-field="share">${share(report, r.key)}</td>
                ${
                  compared === undefined
                    ? ''
                    : html`<td data-field="vsCalls">${compared.totals[r.key]}</td>
                        <td data-field="vsShare">${share(compared, r.key)}</td>
                        <td data-field="change">
                          ${
                            r.key === 'calls' || r.key === 'rescued'
                              ? signed(report.totals[r.key] - compared.totals[r.key])
                              : pointsChange(report.totals[r.key], ended(report), compared.totals[r.key], ended(compared))
                          }
                        </td>`
                }
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <p class="hint">Shares are of the calls that ended; a call still in progress has begun but not ended.</p>
  </section>`;
}

const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '±0');

/** One measure of a node: its figures in the period, and in the one compared with. */
interface Measure {
  id: string;
  label: Html | string;
  byKey?: number;
  byVoice?: number;
  calls: (row: NodeRow) => number;
}

function measuresOf(row: NodeRow, vs: NodeRow | undefined): Measure[] {
  const keys = new Map<string, { label: string }>();
  for (const c of [...row.choices, ...(vs?.choices ?? [])]) if (!keys.has(c.key)) keys.set(c.key, { label: c.label });
  const choiceOf = (r: NodeRow | undefined, key: string) => r?.choices.find((c) => c.key === key);
  const choices: Measure[] = [...keys].map(([key, { label }]) => ({
    id: `choice-${key}`,
    label: html`<span class="key">${key === 'number' ? '0–9' : key}</span> ${label}`,
    byKey: choiceOf(row, key)?.byKey ?? 0,
    byVoice: choiceOf(row, key)?.byVoice ?? 0,
    calls: (r) => (choiceOf(r, key)?.byKey ?? 0) + (choiceOf(r, key)?.byVoice ?? 0),
  }));
  const all: Measure[] = [
    { id: 'reached', label: 'Reached', calls: (r) => r.reached },
    ...choices,
    { id: 'notUnderstood', label: 'Not understood', calls: (r) => r.notUnderstood },
    { id: 'wrong', label: 'Wrong keys', calls: (r) => r.wrong },
    { id: 'silences', label: 'Silences', calls: (r) => r.silences },
    {
      id: 'deskAsked',
      label: 'Asked for the desk (0 or said)',
      byKey: row.deskAsked.byKey,
      byVoice: row.deskAsked.byVoice,
      calls: (r) => r.deskAsked.byKey + r.deskAsked.byVoice,
    },
    { id: 'toDesk', label: 'Went on to the desk', calls: (r) => r.toDesk },
    { id: 'hungUp', label: 'Hung up here', calls: (r) => r.hungUp },
    { id: 'solved', label: 'Solved here', calls: (r) => r.solved },
  ];
  // A transfer or an end asks nothing: only what happened there is shown.
  if (row.kind !== 'transfer' && row.kind !== 'end') return all;
  return all.filter((m) => m.id === 'reached' || m.calls(row) > 0 || (vs !== undefined && m.calls(vs) > 0));
}

const EMPTY_ROW = (id: string, kind: NodeRow['kind'], title: string): NodeRow => ({
  node: id,
  kind,
  title,
  reached: 0,
  choices: [],
  wrong: 0,
  notUnderstood: 0,
  silences: 0,
  deskAsked: { byKey: 0, byVoice: 0 },
  toDesk: 0,
  hungUp: 0,
  solved: 0,
});

const KINDS: Record<NodeRow['kind'], string> = {
  menu: 'menu',
  question: 'question',
  instructions: 'steps',
  transfer: 'transfer to the desk',
  end: 'end',
  line: "the line's own step",
};

/** A node's table: each measure, with its share of the calls that reached the node (of all calls, for reached). */
function nodeTable(view: InsightsView, row: NodeRow, vs: NodeRow | undefined): Html {
  const comparing = view.compared !== undefined;
  const whole = (r: NodeRow, m: Measure, calls: number) => (m.id === 'reached' ? calls : r.reached);
  const calls = view.report.totals.calls;
  const vsCalls = view.compared?.totals.calls ?? 0;
  const vsRow = vs ?? EMPTY_ROW(row.node, row.kind, row.title);
  return html`<section
    class="node-card tone-${toneOf(row, view.flow)}"
    id="node-${row.node}"
    data-node="${row.node}"
    aria-labelledby="node-${row.node}-heading"
  >
    <h3 id="node-${row.node}-heading"><code>${row.node}</code> <span class="kind">${KINDS[row.kind]}</span></h3>
    <p class="node-title">${row.title}</p>
    <div class="table-scroll">
      <table class="node-table">
        <caption class="visually-hidden">
          What callers did at ${row.node}
        </caption>
        <thead>
          <tr>
            <th scope="col">What callers did</th>
            <th scope="col">By key</th>
            <th scope="col">By voice</th>
            <th scope="col">Calls</th>
            <th scope="col">Of reached</th>
            ${
              comparing
                ? html`<th scope="col">${view.ask.compared?.name ?? 'Compared'}</th>
                    <th scope="col">Of reached</th>
                    <th scope="col">Change</th>`
                : ''
            }
          </tr>
        </thead>
        <tbody>
          ${measuresOf(row, vs).map((m) => {
            const n = m.calls(row);
            const vsN = m.calls(vsRow);
            return html`<tr data-measure="${m.id}" ${n === 0 && (!comparing || vsN === 0) ? html` class="zero"` : ''}>
              <th scope="row">${m.label}</th>
              <td data-field="byKey">${m.byKey ?? ''}</td>
              <td data-field="byVoice">${m.byVoice ?? ''}</td>
              <td data-field="calls">${n}</td>
              <td data-field="share">${percent(n, whole(row, m, calls))}</td>
              ${
                comparing
                  ? html`<td data-field="vsCalls">${vsN}</td>
                      <td data-field="vsShare">${percent(vsN, whole(vsRow, m, vsCalls))}</td>
                      <td data-field="change">${pointsChange(n, whole(row, m, calls), vsN, whole(vsRow, m, vsCalls))}</td>`
                  : ''
              }
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
  </section>`;
}

/** The flow versions calls began on, and the days they changed. */
function versionsOf(report: InsightsReport, name: string): Html {
  const changes = versionChanges(report.days);
  const all = new Map<string, number>();
  for (const d of report.days) for (const v of d.versions) all.set(v.version, (all.get(v.version) ?? 0) + v.calls);
  return html`<div class="versions">
    <h3>Flow versions <span class="sub">${name}</span></h3>
    ${
      all.size === 0
        ? html`<p class="muted">No calls began in this period.</p>`
        : html`<p>
            Calls began on ${[...all].map(([v, n], i) => html`${i > 0 ? ', ' : ''}<code>${v}</code> (${n} call${n === 1 ? '' : 's'})`)}.
          </p>`
    }
    ${
      changes.length === 0
        ? ''
        : html`<ul class="version-changes">
            ${changes.map(
              (c) =>
                html`<li data-day="${c.day}">
                  <strong>${c.day}</strong>: from ${c.before.map((v, i) => html`${i > 0 ? ', ' : ''}<code>${v}</code>`)} to
                  ${c.after.map((v, i) => html`${i > 0 ? ', ' : ''}<code>${v}</code>`)}
                </li>`,
            )}
          </ul>`
    }
  </div>`;
}

/** The insights page: the period, its summary, the flow drawn with its counts, each node's table, containment by day. */
export function insightsPage(ctx: PageContext, view: InsightsView): string {
  const { report, compared, ask } = view;
  const vsRows = new Map((compared?.nodes ?? []).map((r) => [r.node, r]));
  const ids = new Set(report.nodes.map((r) => r.node));
  // A step of the line counted only in the period compared with still gets its table.
  const rows = [...report.nodes, ...(compared?.nodes ?? []).filter((r) => !ids.has(r.node)).map((r) => EMPTY_ROW(r.node, r.kind, r.title))];
  return layout(
    ctx,
    'Flow insights · Business Support Desk',
    html`${header(ctx, view)}
      <main class="insights" id="insights-main" tabindex="-1">
        ${periodPicker(ctx, ask.query, ask.named, view.today, view.retentionDays)} ${summary(view)}
        <section class="panel" id="flow" aria-labelledby="flow-heading">
          <h2 id="flow-heading">The flow <span class="sub">${view.flow.title}, ${ask.period.name.toLowerCase()}</span></h2>
          ${flowLegend()}
          <div class="drawing-scroll">${flowDrawing(view.flow, report, compared)}</div>
          <p class="hint">
            Arrows are the flow's choices with the times each was taken (key and voice); the line's own keys (0, star, 9) are in the tables
            below. Left: the share of the calls that reached a node and hung up there, or went to the desk from there by asking for it or
            after failed answers (not by a choice that leads to the desk).
          </p>
        </section>
        <section class="panel" id="nodes" aria-labelledby="nodes-heading">
          <h2 id="nodes-heading">Each node <span class="sub">in the order callers meet them, then the line's own steps</span></h2>
          <p class="hint">
            "Of reached" is of the calls that reached the node (for Reached itself, of all the period's calls). A call is counted once at
            each node it reached, but each time it made a choice there: a caller who came back may make a share over 100%.
          </p>
          <div class="node-cards${compared === undefined ? '' : ' comparing'}">
            ${rows.map((r) => nodeTable(view, r, vsRows.get(r.node)))}
          </div>
        </section>
        <section class="panel" id="containment" aria-labelledby="containment-heading">
          <h2 id="containment-heading">Containment by day</h2>
          ${containmentChart(report.days, 'days', `Containment, ${ask.period.name.toLowerCase()}`)} ${versionsOf(report, ask.period.name)}
          ${
            compared === undefined || ask.compared === undefined
              ? ''
              : html`<h3 class="compared-heading">${ask.compared.name}</h3>
                  ${containmentChart(compared.days, 'vs-days', `Containment, ${ask.compared.name.toLowerCase()}`)}
                  ${versionsOf(compared, ask.compared.name)}`
          }
        </section>
      </main>`,
  );
}

/** The page for a query that cannot be shown: why, and the periods to pick from. */
export function insightsProblemPage(ctx: PageContext, viewer: Viewer, reason: string, today: string, retentionDays: number): string {
  return layout(
    ctx,
    'Flow insights · Business Support Desk',
    html`${header(ctx, viewer)}
      <main class="insights" id="insights-main" tabindex="-1">
        <p class="problem" role="alert" id="insights-problem">These insights cannot be shown: ${reason}.</p>
        ${periodPicker(ctx, {}, undefined, today, retentionDays)}
      </main>`,
  );
}

/** The page when the line counts nothing (INSIGHTS_RETENTION_DAYS=0). */
export function insightsOffPage(ctx: PageContext, viewer: Viewer): string {
  return layout(
    ctx,
    'Flow insights · Business Support Desk',
    html`${header(ctx, viewer)}
      <main class="insights" id="insights-main" tabindex="-1">
        <p class="notice-none">This line counts no insights: INSIGHTS_RETENTION_DAYS is 0.</p>
      </main>`,
  );
}
