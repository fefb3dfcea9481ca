import { readFlowDir } from './src/flows/load';
import { evaluate, readEvaluationSet, understoodShare } from './src/engine/evaluation';
import { learn } from './src/engine/speech';
import { Understanding, type Understood } from './src/engine/understanding';
const flow = readFlowDir('call-flows').flows[0]!.flow;
const set = readEvaluationSet('call-flows/answers/portal-login.yaml');
learn(flow, (t, n, l) => { const u = new Understanding(t, n, l); const m = new Map<string, Understood>(); return { read: (a) => m.get(a) ?? m.set(a, u.read(a)).get(a)! }; });
const rows: string[] = [];
for (const act of [0.7, 0.8, 0.9, 0.95]) for (const lead of [0.5, 0.7, 0.9]) for (const like of [0.3, 0.4, 0.5, 0.6, 0.7]) for (const confirm of [0.3, 0.5]) for (const likeToConfirm of [0.1, 0.2, 0.3]) {
  const understanding = { act, lead, confirm, like, likeToConfirm };
  const t = evaluate(flow, set, 'tuning', { confidenceThreshold: 0.5, understanding }).total;
  const h = evaluate(flow, set, 'heldOut', { confidenceThreshold: 0.5, understanding }).total;
  rows.push(`${JSON.stringify(understanding)} tuning ${(understoodShare(t)*100).toFixed(1)} now ${t.understood} wrong ${t.wrong} irr ${t.irrelevant - t.irrelevantAskedAgain} | held ${(understoodShare(h)*100).toFixed(1)} now ${h.understood} wrong ${h.wrong} irr ${h.irrelevant - h.irrelevantAskedAgain}`);
}
console.log(rows.filter(r => / wrong 0 irr 0 \|/.test(r)).join('\n'));
