import { SYSTEM } from '../engine/compile';
import { edgesOf, reachable } from '../flows/graph';
import { GLOBAL_KEYS, type FlowFile, type FlowNode } from '../flows/schema';
import { gist } from '../flows/diagram';
import type { DayCounts } from './insights-store';

/** A choice at a node and how often it was taken, by key and by voice. */
export interface ChoiceRow {
  key: string;
  /** "yes", "Password", "repeat", "main menu", "a phone number". */
  label: string;
  /** Where it leads: a node's id, or undefined for the line's own keys. */
  to?: string;
  byKey: number;
  byVoice: number;
}

/** One decision point of the period: what callers did there. */
export interface NodeRow {
  node: string;
  /** The flow's node type, or "line" for the line's own steps (the desk's closed choices, a callback's number…). */
  kind: FlowNode['type'] | 'line';
  /** What it asks or says, in a few words. */
  title: string;
  /** Calls that reached it (once per call). */
  reached: number;
  choices: ChoiceRow[];
  wrong: number;
  notUnderstood: number;
  silences: number;
  /** Asked for the desk here: 0, or by voice. */
  deskAsked: { byKey: number; byVoice: number };
  /** Went on from here to the desk (asked for it, chose it, or after failures). */
  toDesk: number;
  hungUp: number;
  solved: number;
}

/** How one day's calls ended, and the flow versions they began on. */
export interface DayRow {
  day: string;
  calls: number;
  solved: number;
  desk: number;
  hungUp: number;
  /** Callers a fault of the line sent to the desk (see insight-fields.ts: rescued). */
  rescued: number;
  /** The flow versions calls began on that day, most calls first. */
  versions: { version: string; calls: number }[];
}

export interface InsightsReport {
  flowId: string;
  /** The first and last day of the period (the desk's days). */
  from: string;
  to: string;
  /** Every day of the period, oldest first, with or without calls. */
  days: DayRow[];
  /** The flow's nodes in the order a caller meets them, then the line's own steps that were reached. */
  nodes: NodeRow[];
  totals: { calls: number; solved: number; desk: number; hungUp: number; rescued: number };
}

/** The line's own steps, as the table names them. */
const LINE_STEPS: Record<string, string> = {
  [SYSTEM.bsdRequest]: 'Transfer to the desk (0 or asked)',
  [SYSTEM.keypadTrouble]: 'Transfer to the desk after three failed answers',
  [SYSTEM.quiet]: 'Transfer to the desk after a long silence at steps',
  [SYSTEM.redial]: 'Dialling the desk again',
  [SYSTEM.dialFailed]: 'The desk did not answer: try again?',
  [SYSTEM.deskUnavailable]: 'The desk did not answer after three tries',
  [SYSTEM.afterDesk]: 'Talked with the desk',
  [SYSTEM.goodbye]: 'Goodbye',
  [SYSTEM.deskClosed]: 'The desk is closed: callback, text or goodbye',
  [SYSTEM.callbackNumber]: 'Callback: this number?',
  [SYSTEM.callbackKeyed]: 'Callback: key in a number',
  [SYSTEM.callbackConfirm]: 'Callback: the number keyed, right?',
  [SYSTEM.callbackBooking]: 'Callback: booking',
  [SYSTEM.callbackBooked]: 'Callback booked',
  [SYSTEM.textDesk]: "Text: the desk's details",
  [SYSTEM.textQueued]: 'Text sent',
};

const LINE_KEYS: Record<string, string> = {
  [GLOBAL_KEYS.repeat]: 'repeat',
  [GLOBAL_KEYS.mainMenu]: 'main menu',
  number: 'a phone number',
};

/** What a node is about, in a few words: its question, or the first sentence of what it says. */
export function titleOf(node: FlowNode): string {
  const text = gist(node);
  return text.length > 90 ? `${text.slice(0, text.lastIndexOf(' ', 90))} …` : text;
}

/** The flow's nodes in the order a caller meets them (breadth first from the start), then any others. */
export function nodeOrder(flow: FlowFile): string[] {
  const order: string[] = [];
  const queue = [flow.start];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (order.includes(id) || flow.nodes[id] === undefined) continue;
    order.push(id);
    for (const edge of edgesOf(flow.nodes[id])) queue.push(edge.to);
  }
  const seen = reachable(flow);
  return [...order, ...Object.keys(flow.nodes).filter((id) => !seen.has(id))];
}

/** The sum of several days' counts. */
export function sumCounts(days: DayCounts[]): DayCounts {
  const total: DayCounts = {};
  for (const counts of days) for (const [field, n] of Object.entries(counts)) total[field] = (total[field] ?? 0) + n;
  return total;
}

function rowOf(flow: FlowFile, id: string, counts: DayCounts): NodeRow {
  const n = (field: string) => counts[field] ?? 0;
  const node = flow.nodes[id];
  const choices: ChoiceRow[] = [];
  const listed = new Set<string>();
  const choice = (key: string, label: string, to?: string) => {
    listed.add(key);
    choices.push({
      key,
      label,
      ...(to !== undefined && { to }),
      byKey: n(`choice|${id}|${key}|key`),
      byVoice: n(`choice|${id}|${key}|voice`),
    });
  };
  if (node !== undefined) {
    // A menu's options by the label the caller hears ("Password"), other nodes' by their answer ("yes", "solved").
    const labels = node.type === 'menu' ? new Map<string, string>(node.options.map((o) => [o.key, o.label])) : undefined;
    for (const edge of edgesOf(node)) choice(edge.key, labels?.get(edge.key) ?? edge.label, edge.to);
    if (node.type === 'instructions') {
      choice('2', 'hear the steps again', id);
      choice('8', 'the steps by text message');
    }
  }
  // Keys counted that the flow file does not name here: the line's own (*, 9), and every key at its own steps.
  const prefix = `choice|${id}|`;
  const others = new Set(
    Object.keys(counts)
      .filter((f) => f.startsWith(prefix))
      .map((f) => f.slice(prefix.length).split('|')[0]!),
  );
  for (const key of [...others].filter((k) => !listed.has(k)).sort()) choice(key, LINE_KEYS[key] ?? `key ${key}`);
  return {
    node: id,
    kind: node?.type ?? 'line',
    title: node === undefined ? (LINE_STEPS[id] ?? id) : titleOf(node),
    reached: n(`reached|${id}`),
    choices,
    wrong: n(`wrong|${id}`),
    notUnderstood: n(`notUnderstood|${id}`),
    silences: n(`silence|${id}`),
    deskAsked: { byKey: n(`deskAsked|${id}|key`), byVoice: n(`deskAsked|${id}|voice`) },
    toDesk: n(`toDesk|${id}`),
    hungUp: n(`hungUp|${id}`),
    solved: n(`solved|${id}`),
  };
}

/** Whether a row has anything to show. */
const counted = (row: NodeRow) =>
  row.reached + row.wrong + row.notUnderstood + row.silences + row.toDesk + row.hungUp + row.solved > 0 ||
  row.choices.some((c) => c.byKey + c.byVoice > 0);

/**
 * The report of `days` (every day of the period, oldest first) from their counts: the flow's nodes with what callers
 * did there (every node of the flow file, counted or not, so that a new node appears by itself), the line's own steps
 * that were reached, and each day's endings and flow versions.
 */
export function insightsReport(flow: FlowFile, days: string[], counts: Record<string, DayCounts>): InsightsReport {
  const total = sumCounts(days.map((d) => counts[d] ?? {}));
  const flowNodes = nodeOrder(flow).map((id) => rowOf(flow, id, total));
  const lineSteps = Object.keys(LINE_STEPS)
    .map((id) => rowOf(flow, id, total))
    .filter(counted);
  const dayRows = days.map((day): DayRow => {
    const c = counts[day] ?? {};
    const versions = Object.entries(c)
      .filter(([f]) => f.startsWith('version|'))
      .map(([f, calls]) => ({ version: f.slice('version|'.length), calls }))
      .sort((a, b) => b.calls - a.calls || a.version.localeCompare(b.version));
    return {
      day,
      calls: c.calls ?? 0,
      solved: c['ended|solved'] ?? 0,
      desk: c['ended|desk'] ?? 0,
      hungUp: c['ended|hungUp'] ?? 0,
      rescued: c.rescued ?? 0,
      versions,
    };
  });
  const sum = (pick: (d: DayRow) => number) => dayRows.reduce((s, d) => s + pick(d), 0);
  return {
    flowId: flow.id,
    from: days[0] ?? '',
    to: days.at(-1) ?? '',
    days: dayRows,
    nodes: [...flowNodes, ...lineSteps],
    totals: {
      calls: sum((d) => d.calls),
      solved: sum((d) => d.solved),
      desk: sum((d) => d.desk),
      hungUp: sum((d) => d.hungUp),
      rescued: sum((d) => d.rescued),
    },
  };
}

/** The days of a period that ends on `last` and lasts `length` days, oldest first ("2026-12-01" … "2026-12-07"). */
export function daysEnding(last: string, length: number): string[] {
  const end = Date.parse(`${last}T12:00:00Z`);
  return Array.from({ length }, (_, i) => new Date(end - (length - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

/**
 * The calls that left the line at a node: hung up there, or went on to the desk by asking for it (0, or said) or
 * after failed answers. A choice of the flow's own that leads to a transfer (a "yes" that means the desk must log a
 * ticket) is the flow working as written, not a caller lost.
 */
export function leftAt(row: NodeRow, flow: FlowFile): number {
  const chosen = row.choices
    .filter((c) => c.to !== undefined && flow.nodes[c.to]?.type === 'transfer')
    .reduce((sum, c) => sum + c.byKey + c.byVoice, 0);
  return row.hungUp + Math.max(0, row.toDesk - chosen);
}

/** The share of a node's reached calls that left the line there; null when no call reached it. */
export function leaveShare(row: NodeRow, flow: FlowFile): number | null {
  return row.reached === 0 ? null : leftAt(row, flow) / row.reached;
}

/** A share as a whole percentage, "–" when there is nothing to share. */
export function percent(part: number, whole: number): string {
  return whole === 0 ? '–' : `${Math.round((part / whole) * 100)}%`;
}
