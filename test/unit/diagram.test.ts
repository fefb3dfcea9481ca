import { flowDiagram } from '../../src/flows/diagram';
import { loadFlows } from '../../src/flows/load';

const loaded = loadFlows('call-flows').find((f) => f.flow.id === 'portal-login')!;
const diagram = flowDiagram(loaded);

test('every node is drawn, transfers and ends marked', () => {
  for (const [id, node] of Object.entries(loaded.flow.nodes)) {
    const line = diagram.split('\n').find((l) => l.trim().startsWith(`n_${id.replace(/-/g, '_')}`) && l.includes(`${id}<br/>`));
    expect(line).toBeDefined();
    if (node.type === 'transfer') expect(line).toMatch(/:::transfer$/);
    if (node.type === 'end') expect(line).toMatch(/:::finish$/);
  }
});

test('keys are on the edges', () => {
  expect(diagram).toContain('n_main_menu -->|"1: username"| n_username');
  expect(diagram).toContain('n_username -->|"3: unsure"| n_username_verification');
  expect(diagram).toContain('n_black_screen_restart -->|"3: If the problem persists"| n_black_screen_refresh');
  expect(diagram).toContain('n_password -->|"2: hear again"| n_password');
});

test('the shared parts are drawn once: global keys and the desk outcomes', () => {
  expect(diagram.match(/0 or 'agent' the desk · \* or 'repeat' · 9 or 'main menu'/g)).toHaveLength(1);
  // A flow that listens for keys only draws the keys alone.
  const keypad = flowDiagram({ ...loaded, flow: { ...loaded.flow, speech: { ...loaded.flow.speech!, enabled: false } } });
  expect(keypad.match(/0 the desk · \* repeat · 9 main menu<br\/>no key or a wrong key: reprompt/g)).toHaveLength(1);
  expect(keypad).not.toContain("'agent'");
  expect(diagram).toContain('unavailable -->|"1 or 0: try again, at most twice"| dial');
  expect(diagram).toContain('dial -->|"the third dial fails"| bye');
});

test('quotes in text cannot break the diagram', () => {
  expect(diagram).not.toMatch(/<br\/>[^"\n]*"[^|\]})]*"[^\n]*"\]/);
  const withQuote = flowDiagram({
    ...loaded,
    flow: { ...loaded.flow, nodes: { ...loaded.flow.nodes, password: { type: 'instructions', say: 'Click "Reset".', solved: 'goodbye' } } },
  });
  expect(withQuote).toContain('Click #quot;Reset#quot;.');
});
