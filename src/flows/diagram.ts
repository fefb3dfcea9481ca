import { edgesOf } from './graph';
import type { LoadedFlow } from './load';
import type { FlowNode } from './schema';
import { tidy } from './text';
import { listensFor } from './words';

/** A Mermaid-safe id for a node id ("end" and dashes are special in Mermaid). */
const idOf = (node: string) => `n_${node.replace(/-/g, '_')}`;

/** A label: quotes and angle brackets escaped; long text cut at a word. */
function label(text: string, max = 70): string {
  let t = tidy(text);
  if (t.length > max) t = `${t.slice(0, t.lastIndexOf(' ', max))} …`;
  return t.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

/** The text that best says what a node is about: the question itself, not its preamble. */
export function gist(node: FlowNode): string {
  if (node.type === 'transfer') return tidy(node.reason);
  const sentences = tidy(node.say).split(/(?<=[.?!])\s+/);
  return node.type === 'question' || node.type === 'menu' ? sentences.at(-1)! : sentences[0]!;
}

function shape(id: string, node: FlowNode): string {
  const text = `${id}<br/>${label(gist(node))}`;
  switch (node.type) {
    case 'menu':
      return `${idOf(id)}{{"${text}"}}`;
    case 'question':
      return `${idOf(id)}{"${text}"}`;
    case 'instructions':
      return `${idOf(id)}["${text}"]`;
    case 'transfer':
      return `${idOf(id)}[["Transfer to the desk: ${text}"]]:::transfer`;
    case 'end':
      return `${idOf(id)}(["${text}"]):::finish`;
  }
}

/**
 * The flow as a Mermaid flowchart: each node with its text, keys on the edges, transfers and ends marked, and what
 * every transfer and every question share (global keys, failures, the desk's outcomes) drawn once.
 */
export function flowDiagram(loaded: LoadedFlow): string {
  const { flow } = loaded;
  const lines = [
    'flowchart TD',
    `  %% Made by npm run flows:diagram from ${loaded.file} (version ${loaded.version}). Edit the flow, not this.`,
    '  classDef transfer fill:#fde2c8,stroke:#c0601a',
    '  classDef finish fill:#d8f0d8,stroke:#2e7d32',
    '  classDef note fill:#eef2ff,stroke:#7986cb',
    `  call(("Incoming call")) --> ${idOf(flow.start)}`,
  ];
  for (const [id, node] of Object.entries(flow.nodes)) lines.push(`  ${shape(id, node)}`);
  for (const [id, node] of Object.entries(flow.nodes)) {
    for (const edge of edgesOf(node)) lines.push(`  ${idOf(id)} -->|"${edge.key}: ${label(edge.label, 40)}"| ${idOf(edge.to)}`);
    if (node.type === 'instructions') lines.push(`  ${idOf(id)} -->|"2: hear again"| ${idOf(id)}`);
  }
  // Where the flow listens for speech, what a caller may say instead of the keys is said once, here.
  const words = listensFor(flow) ? flow.speech!.words : undefined;
  const say = (list: readonly string[]) => ` or '${label(list[0]!, 30).replace(/'/g, '')}'`;
  lines.push(
    words === undefined
      ? '  anywhere[/"At every question: 0 the desk · * repeat · 9 main menu<br/>no key or a wrong key: reprompt · 3 failures: transfer to the desk"/]:::note'
      : `  anywhere[/"At every question: 0${say(words.desk)} the desk · *${say(words.repeat)} · 9${say(words.mainMenu)}<br/>each key or its words (the flow's words: yes, no, the options…); a spoken answer heard unsure or naming two choices is confirmed<br/>no key, a wrong key or an answer naming nothing: reprompt · 3 failures: transfer to the desk"/]:::note`,
    '  subgraph desk["Every transfer"]',
    '    dial[["Say why and the reference<br/>dial the desk with a whisper of the reason and the reference"]]:::transfer',
    '    dial -->|answered| afterDesk(["Thanks, goodbye"]):::finish',
    '    dial -->|"busy, no answer, failed"| unavailable{{"The desk did not answer"}}',
    '    unavailable -->|"1 or 0: try again, at most twice"| dial',
    '    unavailable -->|"2, or 3 failures"| bye{{"The desk number and the reference<br/>* repeats them"}}',
    '    dial -->|"the third dial fails"| bye',
    '    bye -->|"anything else, or no key"| goodbye(["Goodbye"]):::finish',
    '  end',
  );
  return `${lines.join('\n')}\n`;
}

/** The Markdown page of a flow's diagram. */
export function diagramPage(loaded: LoadedFlow): string {
  return `# Call flow: ${loaded.flow.title} (\`${loaded.flow.id}\`)\n\nMade by \`npm run flows:diagram\` from \`${loaded.file}\`; CI fails when it is out of date.\n\n\`\`\`mermaid\n${flowDiagram(loaded)}\`\`\`\n`;
}
