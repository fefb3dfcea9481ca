import { compileFlow, type CompiledFlow } from '../../src/engine/compile';
import { loadFlows } from '../../src/flows/load';

/** The real portal-login flow, compiled. */
export function portalLogin(): CompiledFlow {
  return compileFlow(loadFlows('call-flows').find((f) => f.flow.id === 'portal-login')!);
}

export const SPEAKING = { bsdNumber: '+18006052965' };
