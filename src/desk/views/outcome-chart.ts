import { html, type Html } from './html';
import { labelOf } from '../transfer-facts';
import { CLOSED_OUTCOMES } from '../outcomes/closed-desk';

/** One bar of the day's picture. */
export interface Bar {
  key: string;
  label: string;
  count: number;
  kind: 'solved' | 'transferred' | 'hung-up' | 'closed';
}

const CLOSED_LABELS: Record<string, string> = {
  'closed-callback': 'Desk closed: callback booked',
  'closed-text': "Desk closed: desk's details texted",
  'closed-ended': 'Desk closed: no follow-up',
};

/**
 * The day's counts (solved, transferred:<reason>, hung-up, closed-*) as bars: solved first, then each reason, then
 * hang-ups, then the calls that met the closed desk (those only on a day that had some).
 */
export function barsOf(counts: Record<string, number>): Bar[] {
  const transferred = Object.entries(counts)
    .filter(([k]) => k.startsWith('transferred:'))
    .map(([k, count]): Bar => ({ key: k, label: `Transferred: ${labelOf(k.slice('transferred:'.length))}`, count, kind: 'transferred' }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  return [
    { key: 'solved', label: 'Solved by self-service', count: counts.solved ?? 0, kind: 'solved' },
    ...transferred,
    { key: 'hung-up', label: 'Hung up mid-way', count: counts['hung-up'] ?? 0, kind: 'hung-up' },
    ...CLOSED_OUTCOMES.filter((k) => (counts[k] ?? 0) > 0).map((k): Bar => ({
      key: k,
      label: CLOSED_LABELS[k]!,
      count: counts[k]!,
      kind: 'closed',
    })),
  ];
}

// Each bar under its label, so that long labels need no room beside the bars: the chart fits the page's side column
// at its natural size (one SVG unit, one CSS pixel), and shrinks with it on a narrow screen.
const ROW = 46;
const BAR_HEIGHT = 16;
const WIDTH = 420;
const BAR_WIDTH = WIDTH - 50;

/** The day's outcomes as an inline SVG bar chart, with the same counts as a table for anyone who cannot see it. */
export function outcomeChart(counts: Record<string, number>): Html {
  const bars = barsOf(counts);
  const max = Math.max(1, ...bars.map((b) => b.count));
  const total = bars.reduce((sum, b) => sum + b.count, 0);
  const transferred = bars.filter((b) => b.kind === 'transferred').reduce((sum, b) => sum + b.count, 0);
  const closed = bars.filter((b) => b.kind === 'closed').reduce((sum, b) => sum + b.count, 0);
  const height = bars.length * ROW + 4;
  const summary = bars.map((b) => `${b.label}: ${b.count}.`).join(' ');
  const rows = bars.map((bar, i) => {
    const y = 4 + i * ROW;
    const width = bar.count === 0 ? 0 : Math.max(3, Math.round((bar.count / max) * BAR_WIDTH));
    return html`<g class="bar bar-${bar.kind}">
      <text x="0" y="${y + 14}">${bar.label}</text>
      <rect x="0" y="${y + 22}" width="${width}" height="${BAR_HEIGHT}" rx="3"></rect>
      <text class="count" x="${width + 8}" y="${y + 35}">${bar.count}</text>
    </g>`;
  });
  return html`<p class="totals">
      ${
        total === 0
          ? 'No calls counted yet today.'
          : `${total} call${total === 1 ? '' : 's'} today; ${transferred} transferred to the desk${closed === 0 ? '' : `; ${closed} while it was closed`}.`
      }
    </p>
    <svg
      class="chart"
      role="img"
      aria-labelledby="chart-title chart-desc"
      viewBox="0 0 ${WIDTH} ${height}"
      width="${WIDTH}"
      height="${height}"
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
