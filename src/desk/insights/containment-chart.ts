import { percent, type DayRow } from '../../insights/insights-report';
import { html, type Html } from '../views/html';

/** A day whose calls began on other flow versions than the last day with calls before it. */
export interface VersionChange {
  day: string;
  before: string[];
  after: string[];
}

/** The days where the flow version changed: compared with the last earlier day that had calls (a quiet day changes nothing). */
export function versionChanges(days: DayRow[]): VersionChange[] {
  const changes: VersionChange[] = [];
  let last: string[] | undefined;
  for (const day of days) {
    if (day.versions.length === 0) continue;
    const now = day.versions.map((v) => v.version).sort();
    if (last !== undefined && now.join(' ') !== last.join(' ')) changes.push({ day: day.day, before: last, after: now });
    last = now;
  }
  return changes;
}

const PLOT_HEIGHT = 150;
const TOP = 22;
const LEFT = 40;
const BOTTOM = 30;
const PLOT_WIDTH = 760;

const PARTS = [
  { key: 'solved', label: 'Solved by self-service' },
  { key: 'desk', label: 'Ended at the desk' },
  { key: 'hungUp', label: 'Hung up mid-way' },
] as const;

/**
 * Containment over the days of a period, as an inline SVG of stacked bars (solved by self-service, ended at the desk,
 * hung up), each day where the flow version changed marked; with the same counts, and the versions in force each
 * day, as a table. `id` keeps two charts on one page apart.
 */
export function containmentChart(days: DayRow[], id: string, caption: string): Html {
  const changed = new Map(versionChanges(days).map((c) => [c.day, c]));
  const ended = (d: DayRow) => d.solved + d.desk + d.hungUp;
  const most = Math.max(1, ...days.map(ended));
  const slot = Math.max(4, Math.min(64, Math.floor(PLOT_WIDTH / Math.max(1, days.length))));
  const bar = Math.max(2, Math.round(slot * 0.7));
  const width = LEFT + slot * days.length + 12;
  const height = TOP + PLOT_HEIGHT + BOTTOM;
  const y = (n: number) => TOP + PLOT_HEIGHT - (n / most) * PLOT_HEIGHT;
  // A label under every day while there is room for it, else under every few.
  const every = Math.max(1, Math.ceil(44 / slot));
  const total = (pick: (d: DayRow) => number) => days.reduce((s, d) => s + pick(d), 0);
  const summary =
    days.length === 0
      ? 'No days.'
      : `${total((d) => d.calls)} calls from ${days[0]!.day} to ${days.at(-1)!.day}: ${total((d) => d.solved)} solved by self-service, ${total((d) => d.desk)} ended at the desk, ${total((d) => d.hungUp)} hung up.` +
        (changed.size === 0 ? '' : ` The flow version changed on ${[...changed.keys()].join(', ')}.`);

  const bars = days.map((d, i) => {
    const x = LEFT + i * slot + Math.round((slot - bar) / 2);
    let top = TOP + PLOT_HEIGHT;
    const parts = PARTS.map((p) => {
      const n = d[p.key];
      const h = (n / most) * PLOT_HEIGHT;
      top -= h;
      return n === 0
        ? ''
        : html`<rect
            class="part-${p.key}"
            x="${x}"
            y="${Math.round(top * 10) / 10}"
            width="${bar}"
            height="${Math.round(h * 10) / 10}"
          ></rect>`;
    });
    const change = changed.get(d.day);
    return html`<g class="day" data-day="${d.day}">
      <title>
        ${d.day}: ${d.calls} calls; ${d.solved} solved, ${d.desk} at the desk, ${d.hungUp} hung
        up${change === undefined ? '' : `; the flow version changed to ${change.after.join(', ')}`}
      </title>
      ${parts}
      ${
        change === undefined
          ? ''
          : html`<path class="version-change" d="M${x + bar / 2},${TOP - 4} l-5,-8 h10 z"></path>
              <line class="version-line" x1="${x + bar / 2}" x2="${x + bar / 2}" y1="${TOP - 4}" y2="${TOP + PLOT_HEIGHT}"></line>`
      }
      ${i % every === 0 ? html`<text class="day-label" x="${x + bar / 2}" y="${TOP + PLOT_HEIGHT + 16}" text-anchor="middle">${d.day.slice(5)}</text>` : ''}
    </g>`;
  });
  const ticks = [0, Math.round(most / 2), most].filter((n, i, all) => all.indexOf(n) === i);

  return html`<svg
      class="containment"
      role="img"
      aria-labelledby="${id}-title ${id}-desc"
      viewBox="0 0 ${width} ${height}"
      width="${width}"
      height="${height}"
      preserveAspectRatio="xMinYMin meet"
      xmlns="http://www.w3.org/2000/svg"
    >
      <title id="${id}-title">${caption}</title>
      <desc id="${id}-desc">${summary}</desc>
      ${ticks.map(
        (n) =>
          html`<line class="grid" x1="${LEFT - 4}" x2="${width - 8}" y1="${y(n)}" y2="${y(n)}"></line>
            <text class="tick" x="${LEFT - 8}" y="${y(n) + 4}" text-anchor="end">${n}</text>`,
      )}
      ${bars}
    </svg>
    <ul class="legend" aria-label="The chart's colours">
      ${PARTS.map((p) => html`<li><span class="swatch part-${p.key}" aria-hidden="true"></span>${p.label}</li>`)}
      <li><span class="swatch version-change" aria-hidden="true"></span>The flow version changed that day</li>
    </ul>
    <details class="counts" ${days.length <= 31 ? html` open` : ''}>
      <summary>${caption}: the counts and flow versions of each day</summary>
      <div class="table-scroll">
        <table class="days" id="${id}-days">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Calls</th>
              <th scope="col">Solved by self-service</th>
              <th scope="col">Ended at the desk</th>
              <th scope="col">Hung up</th>
              <th scope="col">Solved</th>
              <th scope="col">Flow version (calls)</th>
            </tr>
          </thead>
          <tbody>
            ${days.map((d) => {
              const change = changed.get(d.day);
              return html`<tr data-day="${d.day}" ${change === undefined ? '' : html` class="changed"`}>
                <th scope="row">${d.day}</th>
                <td data-field="calls">${d.calls}</td>
                <td data-field="solved">${d.solved}</td>
                <td data-field="desk">${d.desk}</td>
                <td data-field="hungUp">${d.hungUp}</td>
                <td>${percent(d.solved, ended(d))}</td>
                <td data-field="versions">
                  ${d.versions.length === 0 ? html`<span class="muted">none</span>` : d.versions.map((v, i) => html`${i > 0 ? ', ' : ''}<code>${v.version}</code> (${v.calls})`)}
                  ${change === undefined ? '' : html` <strong class="changed-note">changed</strong>`}
                </td>
              </tr>`;
            })}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">All days</th>
              <td data-field="calls">${total((d) => d.calls)}</td>
              <td data-field="solved">${total((d) => d.solved)}</td>
              <td data-field="desk">${total((d) => d.desk)}</td>
              <td data-field="hungUp">${total((d) => d.hungUp)}</td>
              <td>
                ${percent(
                  total((d) => d.solved),
                  total(ended),
                )}
              </td>
              <td></td>
            </tr>
          </tfoot>
        </table>
      </div>
    </details>`;
}
