import { Graph, layout } from '@dagrejs/dagre';
import { edgesOf } from '../../flows/graph';
import type { FlowFile } from '../../flows/schema';
import { leaveShare, leftAt, nodeOrder, percent, type InsightsReport, type NodeRow } from '../../insights/insights-report';
import { html, type Html } from '../views/html';

/**
 * How a node looks on the drawing: by the share of its reached calls that left the line there (hung up, or went to
 * the desk other than by a choice the flow sends there). Transfers and ends are where a path finishes, drawn apart; a
 * node no call reached is grey.
 */
export type Tone = 'kept' | 'some-lost' | 'lost' | 'none' | 'desk' | 'end';

/** From this share of reached calls leaving at a node, it is amber; from the second, red. */
export const LEAVE_AMBER = 0.25;
export const LEAVE_RED = 0.5;

export function toneOf(row: NodeRow, flow: FlowFile): Tone {
  if (row.kind === 'transfer') return 'desk';
  if (row.kind === 'end') return 'end';
  const share = leaveShare(row, flow);
  if (share === null) return 'none';
  return share >= LEAVE_RED ? 'lost' : share >= LEAVE_AMBER ? 'some-lost' : 'kept';
}

/** The words of each tone, for the legend and each node's title. */
export const TONE_WORDS: Record<Tone, string> = {
  kept: `fewer than ${LEAVE_AMBER * 100}% left the line here`,
  'some-lost': `${LEAVE_AMBER * 100}% to ${LEAVE_RED * 100}% left the line here`,
  lost: `${LEAVE_RED * 100}% or more left the line here`,
  none: 'no call reached it',
  desk: 'a transfer to the desk',
  end: 'the end of a call, solved',
};

// The flow is wide (a menu of four, each a few questions deep): boxes and labels are kept narrow so that the
// drawing fits a laptop's page at about its natural size.
const NODE_WIDTH = 176;
const NODE_HEIGHT = 88;
const ID_CHARS = 20;
const LINE_CHARS = 27;
const LABEL_CHARS = 18;
/** Rough width of a character of the drawing's 12px text, for the room dagre leaves for an arrow's label. */
const CHAR_WIDTH = 6.6;

/** Text cut to `max` characters at a word, with an ellipsis. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const at = text.lastIndexOf(' ', max - 1);
  return `${text.slice(0, at > max / 2 ? at : max - 1)}…`;
}

/** Words in at most `lines` lines of `width` characters, the last one cut. */
function wrap(text: string, width: number, lines: number): string[] {
  const out: string[] = [];
  let rest = text.trim();
  while (rest.length > 0 && out.length < lines - 1) {
    if (rest.length <= width) break;
    const at = rest.lastIndexOf(' ', width);
    const split = at > 0 ? at : width;
    out.push(rest.slice(0, split));
    rest = rest.slice(split).trim();
  }
  if (rest.length > 0) out.push(cut(rest, width));
  return out;
}

/** A node's id in at most two lines, broken after a hyphen. */
function idLines(id: string): string[] {
  if (id.length <= ID_CHARS) return [id];
  const at = id.lastIndexOf('-', ID_CHARS);
  return at <= 0 ? [cut(id, ID_CHARS)] : [id.slice(0, at + 1), cut(id.slice(at + 1), ID_CHARS)];
}

/** A smooth path through dagre's points: straight ends, rounded bends. */
function pathOf(points: { x: number; y: number }[]): string {
  const r = (n: number) => Math.round(n * 10) / 10;
  const [first, ...rest] = points;
  if (first === undefined) return '';
  let d = `M${r(first.x)},${r(first.y)}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i]!;
    const q = rest[i + 1]!;
    d += ` Q${r(p.x)},${r(p.y)} ${r((p.x + q.x) / 2)},${r((p.y + q.y) / 2)}`;
  }
  const last = rest.at(-1);
  if (last !== undefined) d += ` L${r(last.x)},${r(last.y)}`;
  return d;
}

interface Placed {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The flow as an inline SVG with the period's counts on it, laid out by dagre from the flow file itself: every node
 * of the file is drawn (a new one appears by itself), each with its calls reached and coloured by where callers left
 * it, and each of its choices an arrow with the times it was taken. With a period compared, each box says what it
 * was then. The node table below is its accessible form.
 */
export function flowDrawing(flow: FlowFile, report: InsightsReport, compared?: InsightsReport): Html {
  const rows = new Map(report.nodes.map((row) => [row.node, row]));
  const before = new Map((compared?.nodes ?? []).map((row) => [row.node, row]));
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 14, ranksep: 34, edgesep: 8, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = nodeOrder(flow);
  for (const id of ids) g.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  const arrows: { from: string; to: string; key: string; text: string; count: number }[] = [];
  for (const id of ids) {
    for (const edge of edgesOf(flow.nodes[id]!)) {
      const choice = rows.get(id)?.choices.find((c) => c.key === edge.key);
      const count = (choice?.byKey ?? 0) + (choice?.byVoice ?? 0);
      const text = `${edge.key} ${cut(edge.label, LABEL_CHARS)} · ${count}`;
      arrows.push({ from: id, to: edge.to, key: edge.key, text, count });
      g.setEdge(id, edge.to, { width: Math.ceil(text.length * CHAR_WIDTH) + 8, height: 18, labelpos: 'c' }, edge.key);
    }
  }
  layout(g);
  const graph = g.graph();
  const width = Math.ceil(graph.width ?? NODE_WIDTH);
  const height = Math.ceil(graph.height ?? NODE_HEIGHT);
  const most = Math.max(1, ...arrows.map((a) => a.count));

  const edges = arrows.map((a) => {
    const e = g.edge(a.from, a.to, a.key) as { points?: { x: number; y: number }[]; x?: number; y?: number };
    const toDesk = flow.nodes[a.to]?.type === 'transfer';
    const stroke = a.count === 0 ? 1.25 : Math.round((1.5 + (4.5 * a.count) / most) * 10) / 10;
    return html`<g
      class="arrow${toDesk ? ' arrow-desk' : ''}${a.count === 0 ? ' arrow-none' : ''}"
      data-from="${a.from}"
      data-key="${a.key}"
    >
      <path d="${pathOf(e.points ?? [])}" stroke-width="${stroke}" marker-end="url(#flow-arrowhead)"></path>
      ${
        e.x === undefined || e.y === undefined
          ? ''
          : html`<text class="arrow-label" x="${Math.round(e.x)}" y="${Math.round(e.y) + 4}" text-anchor="middle" data-count="${a.count}"
              >${a.text}</text
            >`
      }
    </g>`;
  });

  const boxes = ids.map((id) => {
    const at = g.node(id) as Placed;
    const row = rows.get(id);
    const left = Math.round(at.x - at.width / 2);
    const top = Math.round(at.y - at.height / 2);
    const reached = row?.reached ?? 0;
    const tone = row === undefined ? 'none' : toneOf(row, flow);
    const title = row?.title ?? id;
    // Where a path finishes, nothing is left: only its calls reached.
    const share = row === undefined || row.kind === 'transfer' || row.kind === 'end' ? null : leaveShare(row, flow);
    const leaving = row === undefined ? 0 : leftAt(row, flow);
    const then = before.get(id);
    const figures =
      compared !== undefined
        ? `before: reached ${then?.reached ?? 0}${then === undefined || share === null || then.reached === 0 ? '' : ` · left ${percent(leftAt(then, flow), then.reached)}`}`
        : row === undefined || row.kind === 'transfer' || row.kind === 'end'
          ? ''
          : `desk ${row.toDesk} · hung up ${row.hungUp}${row.solved > 0 ? ` · solved ${row.solved}` : ''}`;
    const ids2 = idLines(id);
    const described = `${id}: ${title} Reached by ${reached}${share === null ? '' : `; ${percent(leaving, reached)} left the line here`} (${TONE_WORDS[tone]}).`;
    return html`<g class="node tone-${tone}" data-node="${id}">
      <title>${described}</title>
      <rect x="${left}" y="${top}" width="${at.width}" height="${at.height}" rx="6"></rect>
      ${ids2.map((line, i) => html`<text class="node-id" x="${left + 8}" y="${top + 16 + i * 14}">${line}</text>`)}
      ${wrap(title, LINE_CHARS, 3 - ids2.length).map(
        (line, i) => html`<text class="node-title" x="${left + 8}" y="${top + 17 + (ids2.length + i) * 14}">${line}</text>`,
      )}
      <text class="node-reached" x="${left + 8}" y="${top + 66}"
        >reached ${reached}${share === null ? '' : ` · left ${percent(leaving, reached)}`}</text
      >
      <text class="node-figures" x="${left + 8}" y="${top + 81}">${figures}</text>
    </g>`;
  });

  return html`<svg
    class="flow-drawing"
    role="img"
    aria-labelledby="flow-title flow-desc"
    viewBox="0 0 ${width} ${height}"
    width="${width}"
    height="${height}"
    preserveAspectRatio="xMidYMin meet"
    xmlns="http://www.w3.org/2000/svg"
  >
    <title id="flow-title">The flow ${flow.id}, ${report.from} to ${report.to}</title>
    <desc id="flow-desc">
      Each box is a node of the flow with the calls that reached it and the share that left the line there (hung up, or went to the desk by
      asking for it or after failed answers); each arrow is a choice with the times it was taken, by key or by voice. The table of the nodes
      below gives every count.
    </desc>
    <defs>
      <marker
        id="flow-arrowhead"
        viewBox="0 0 10 10"
        refX="9"
        refY="5"
        markerWidth="10"
        markerHeight="10"
        markerUnits="userSpaceOnUse"
        orient="auto-start-reverse"
      >
        <path d="M0,0 L10,5 L0,10 z"></path>
      </marker>
    </defs>
    ${edges} ${boxes}
  </svg>`;
}

/** The drawing's legend: what each colour means, in words as well. */
export function flowLegend(): Html {
  const tones: Tone[] = ['kept', 'some-lost', 'lost', 'none', 'desk', 'end'];
  return html`<ul class="legend" aria-label="What the colours mean">
    ${tones.map((t) => html`<li><span class="swatch tone-${t}" aria-hidden="true"></span>${TONE_WORDS[t]}</li>`)}
  </ul>`;
}
