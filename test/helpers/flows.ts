import { compileFlow, type CompiledFlow } from '../../src/engine/compile';
import { loadFlows } from '../../src/flows/load';
import type { RenderOptions } from '../../src/telephony/twiml';

/** The real portal-login flow, compiled. */
export function portalLogin(): CompiledFlow {
  return compileFlow(loadFlows('call-flows').find((f) => f.flow.id === 'portal-login')!);
}

export const SPEAKING = { bsdNumber: '+18006052965' };

/** How the TwiML tests render: a voice, the desk's number and the waits, with a test base URL. */
export const RENDER_OPTIONS: RenderOptions = {
  baseUrl: 'https://line.example.test',
  voice: { language: 'en-US', voice: 'Polly.Joanna' },
  bsdNumber: '+18006052965',
  gatherTimeoutSeconds: 7,
  stepsTimeoutSeconds: 30,
  dialTimeoutSeconds: 30,
};
