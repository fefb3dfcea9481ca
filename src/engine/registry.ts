import { LineError, didYouMean } from '../common/errors';
import { compileFlow, type CompiledFlow } from './compile';
import { loadFlows, type LoadedFlow } from '../flows/load';
import { listensFor } from '../flows/words';
import { learn } from './understanding/speech';

/** The flows the line answers with, compiled once at start-up. */
export class FlowRegistry {
  private readonly byId = new Map<string, CompiledFlow>();

  constructor(
    flows: LoadedFlow[],
    readonly entryId: string,
  ) {
    for (const flow of flows) this.byId.set(flow.flow.id, compileFlow(flow));
    if (!this.byId.has(entryId)) {
      throw new LineError(
        'FLOW_UNKNOWN',
        `ENTRY_FLOW '${entryId}' is not among the call flows (${[...this.byId.keys()].join(', ') || 'none'})${didYouMean(entryId, this.byId.keys())}`,
      );
    }
  }

  static fromDir(dir: string, entryId: string): FlowRegistry {
    return new FlowRegistry(loadFlows(dir), entryId);
  }

  /** The flow new calls start on. */
  get entry(): CompiledFlow {
    return this.byId.get(this.entryId)!;
  }

  get(id: string): CompiledFlow | undefined {
    return this.byId.get(id);
  }

  all(): CompiledFlow[] {
    return [...this.byId.values()];
  }

  /**
   * Trains the classifiers of spoken answers of every flow that listens for speech, in the background (about 1 s in
   * all): called once the line is ready, so that start-up does not wait; a call that reaches a decision point first
   * trains that one then.
   */
  warmUp(): void {
    for (const { flow } of this.byId.values()) if (listensFor(flow)) learn(flow).warmUp();
  }
}
