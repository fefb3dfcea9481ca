import { compileFlow } from '../engine/compile';
import type { SpeakingContext } from '../engine/prompt';
import type { LoadedFlow } from '../flows/load';
import { checkBudgets, type BudgetProblem } from './budgets';
import { measureFlow, type FlowTiming } from './measure';

/** A flow's listening times, and the budgets it breaks (none when it states none). */
export function timeFlow(
  loaded: LoadedFlow,
  speaking: SpeakingContext,
  wordsPerMinute?: number,
): { timing: FlowTiming; problems: BudgetProblem[] } {
  const timing = measureFlow(compileFlow(loaded), { speaking, ...(wordsPerMinute === undefined ? {} : { wordsPerMinute }) });
  const { budgets } = loaded.flow;
  return { timing, problems: budgets === undefined ? [] : checkBudgets(timing, budgets) };
}
