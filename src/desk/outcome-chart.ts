import { html, type Html } from './html';
import { labelOf } from './transfer-facts';

/** One bar of the day's picture. */
export interface Bar {
  key: string;
  label: string;
  count: number;
  kind: 'solved' | 'transferred' | 'hung-up';
}

/** The day's counts (solved, transferred:<reason>, hung-up) as bars: solved first, then each reason, then hang-ups. */
export function barsOf(counts: Record<string, number>): Bar[] {
  const transferred = Object.entries(counts)
    .filter(([k]) => k.startsWith('transferred:'))
    .map(([k, count]): Bar => ({ key: k, label: `Transferred: ${labelOf(k.slice('transferred:'.length))}`, count, kind: 'transferred' }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  return [
    { key: 'solved', label: 'Solved by self-service', count: counts.solved ?? 0, kind: 'solved' },
    ...transferred,
    { key: 'hung-up', label: 'Hung up mid-way', count: counts['hung-up'] ?? 0, kind: 'hung-up' },
  ];
}

const ROW = 30;
const LABEL_WIDTH = 300;
const BAR_WIDTH = 300;
const WIDTH = LABEL_WIDTH + BAR_WIDTH + 60;

/** The day's outcomes as an inline SVG bar chart, with the same counts as a table for anyone who cannot see it. */
export function outcomeChart(counts: Record<string, number>): Html {
  const bars = barsOf(counts);
  const max = Math.max(1, ...bars.map((b) => b.count));
  const total = bars.reduce((sum, b) => sum + b.count, 0);
  const transferred = bars.filter((b) => b.kind === 'transferred').reduce((sum, b) => sum + b.count, 0);
  const height = bars.length * ROW + 10;
  const summary = bars.map((b) => `${b.label}: ${b.count}.`).join(' ');
  const rows = bars.map((bar, i) => {
    const y = 5 + i * ROW;
    const width = bar.count === 0 ? 0 : Math.max(2, Math.round((bar.count / max) * BAR_WIDTH));
    return html`<g class="bar bar-${bar.kind}">
      <text x="${LABEL_WIDTH - 10}" y="${y + ROW / 2}" text-anchor="end" dominant-baseline="middle">${bar.label}</text>
      <rect x="${LABEL_WIDTH}" y="${y + 4}" width="${width}" height="${ROW - 8}" rx="3"></rect>
      <text class="count" x="${LABEL_WIDTH + width + 8}" y="${y + ROW / 2}" dominant-baseline="middle">${bar.count}</text>
    </g>`;
  });
  return html`<p class="totals">
      ${total === 0 ? 'No calls counted yet today.' : `${total} call${total === 1 ? '' : 's'} today; ${transferred} transferred to the desk.`}
    </p>
    <svg
      class="chart"
      role="img"
      aria-labelledby="chart-title chart-desc"
      viewBox="0 0 ${WIDTH} ${height}"
      width="100%"
      preserveAspectRatio="xMinYMin meet"
      xmlns="http://www.w3.org/2000/svg"
    >
      <title id="chart-title">Today's outcomes</title>
      <desc id="chart-desc">${summary}</desc>
      ${rows}
    </svg>
    <details class="counts">
      <summary>The counts as a table</summary>
      <table>
        <caption>
          Today's outcomes
        </caption>
        <thead>
          <tr>
            <th scope="col">Outcome</th>
            <th scope="col">Calls</th>
          </tr>
        </thead>
        <tbody>
          ${bars.map(
            (b) =>
              html`<tr>
                <th scope="row">${b.label}</th>
                <td>${b.count}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </details>`;
}
