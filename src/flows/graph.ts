import type { FlowFile, FlowNode } from './schema';

/** One way out of a node that the flow file names (global keys aside). */
export interface Edge {
  /** The field of the node that names the target, e.g. "yes", "options[2].goto", "more.goto". */
  field: string;
  /** What the caller does to take it, e.g. "1", "3", for diagrams and transcripts. */
  key: string;
  label: string;
  to: string;
}

/** The edges a node names, in key order. Transfers and ends have none. */
export function edgesOf(node: FlowNode): Edge[] {
  switch (node.type) {
    case 'menu':
      return node.options.map((o, i) => ({ field: `options[${i}].goto`, key: o.key, label: o.note, to: o.goto }));
    case 'question': {
      const edges: Edge[] = [
        { field: 'yes', key: '1', label: 'yes', to: node.yes },
        { field: 'no', key: '2', label: 'no', to: node.no },
      ];
      if (node.unsure !== undefined) edges.push({ field: 'unsure', key: '3', label: 'unsure', to: node.unsure });
      return edges;
    }
    case 'instructions': {
      const edges: Edge[] = [{ field: 'solved', key: '1', label: 'solved', to: node.solved }];
      if (node.more !== undefined) edges.push({ field: 'more.goto', key: '3', label: node.more.label, to: node.more.goto });
      return edges;
    }
    case 'transfer':
    case 'end':
      return [];
  }
}

/** Node ids reachable from the start node through the flow's own edges. */
export function reachable(flow: FlowFile): Set<string> {
  const seen = new Set<string>();
  const queue = [flow.start];
  while (queue.length > 0) {
    const id = queue.pop()!;
    const node = flow.nodes[id];
    if (seen.has(id) || node === undefined) continue;
    seen.add(id);
    for (const edge of edgesOf(node)) queue.push(edge.to);
  }
  return seen;
}

/** Node ids from which a transfer or an end can be reached through the flow's own edges. */
export function canFinish(flow: FlowFile): Set<string> {
  const done = new Set(
    Object.entries(flow.nodes)
      .filter(([, n]) => n.type === 'transfer' || n.type === 'end')
      .map(([id]) => id),
  );
  let grew = true;
  while (grew) {
    grew = false;
    for (const [id, node] of Object.entries(flow.nodes)) {
      if (!done.has(id) && edgesOf(node).some((e) => done.has(e.to))) {
        done.add(id);
        grew = true;
      }
    }
  }
  return done;
}
