import type { Budgets } from '../flows/schema';
import { longestPrompt, type FlowTiming, type TimedPath, type TimedPrompt } from './measure';

/** A budget a flow breaks: the budget's field, and what breaks it (the path, the prompt). */
export interface BudgetProblem {
  field: string;
  message: string;
}

/** Seconds as the report prints them; budgets are compared at this precision, so a figure never reads as equal. */
export const tenths = (seconds: number) => Math.round(seconds * 10) / 10;
export const showSeconds = (seconds: number) => `${tenths(seconds).toFixed(1)} s`;
export const showPrompt = (p: TimedPrompt) => `'${p.node}' ("${p.words}")`;
export const showPath = (p: TimedPath) => `path ${p.keys === '' ? '(no key)' : p.keys} (${p.outcome})`;

/** The paths the outcome budgets hold: each prompt heard once, to an outcome. */
export const heldPaths = (timing: FlowTiming) => timing.paths.filter((p) => p.answeredOnce);

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Every budget `timing` breaks. The outcome budgets hold the paths where each prompt is heard once;
 * the prompt and whisper budgets hold every path, silences and the desk's retries too. A prompt said on many
 * paths is named once, with the shortest path it is heard on.
 */
export function checkBudgets(timing: FlowTiming, budgets: Budgets): BudgetProblem[] {
  const problems: BudgetProblem[] = [];
  const over = (seconds: number, budget: number | undefined): budget is number => budget !== undefined && tenths(seconds) > budget;
  const held = heldPaths(timing);

  for (const path of held)
    if (over(path.seconds, budgets.outcomeSeconds))
      problems.push({
        field: 'budgets.outcomeSeconds',
        message: `${showPath(path)} takes ${showSeconds(path.seconds)} of listening, over ${budgets.outcomeSeconds} s; its longest prompt is ${showPrompt(longestPrompt(path))}, ${showSeconds(longestPrompt(path).seconds)}`,
      });

  if (held.length > 0) {
    const middle = median(held.map((p) => p.seconds));
    if (over(middle, budgets.medianOutcomeSeconds)) {
      const nearest = [...held].sort((a, b) => Math.abs(a.seconds - middle) - Math.abs(b.seconds - middle))[0]!;
      problems.push({
        field: 'budgets.medianOutcomeSeconds',
        message: `the median of ${held.length} outcomes takes ${showSeconds(middle)} of listening, over ${budgets.medianOutcomeSeconds} s; at the median: ${showPath(nearest)}, whose longest prompt is ${showPrompt(longestPrompt(nearest))}, ${showSeconds(longestPrompt(nearest).seconds)}`,
      });
    }
  }

  const named = new Set<TimedPrompt>();
  const shortestFirst = [...timing.paths].sort((a, b) => a.heard.length - b.heard.length);
  for (const path of shortestFirst)
    for (const prompt of path.heard)
      if (!named.has(prompt) && over(prompt.seconds, budgets.promptSeconds)) {
        named.add(prompt);
        problems.push({
          field: 'budgets.promptSeconds',
          message: `prompt ${showPrompt(prompt)} takes ${showSeconds(prompt.seconds)}, over ${budgets.promptSeconds} s; heard on ${showPath(path)}`,
        });
      }

  for (const prompt of timing.spoken)
    if (over(prompt.seconds, budgets.promptSeconds))
      problems.push({
        field: 'budgets.promptSeconds',
        message: `prompt ${showPrompt(prompt)} takes ${showSeconds(prompt.seconds)}, over ${budgets.promptSeconds} s; heard when a spoken answer is confirmed or not understood`,
      });

  for (const path of timing.paths)
    if (path.whisper !== undefined && over(path.whisper.seconds, budgets.whisperSeconds))
      problems.push({
        field: 'budgets.whisperSeconds',
        message: `the whisper of ${showPrompt(path.whisper)} takes ${showSeconds(path.whisper.seconds)}, over ${budgets.whisperSeconds} s; on ${showPath(path)}`,
      });
  return problems;
}
