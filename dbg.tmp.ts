import { readFlowDir } from './src/flows/load';
import { learn } from './src/engine/speech';
const flow = readFlowDir('call-flows').flows[0]!.flow;
const l = learn(flow);
const [point, ...texts] = process.argv.slice(2);
for (const t of texts) { const r = l.understanding.get(point!)!.read(t); console.log(t, JSON.stringify(r)); }
