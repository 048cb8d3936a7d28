/** A child run's cost from its folded state: what the parent step rolls up. */
import type { RunState } from '../../shared/run-state.ts';
import type { ChildCost } from '../engine/services.ts';

export function childCostOf(state: RunState, baselineUsd = 0): ChildCost {
  let inputTokens = 0;
  let outputTokens = 0;
  for (const step of Object.values(state.steps)) {
    inputTokens += step.inputTokens;
    outputTokens += step.outputTokens;
  }
  return { usd: Math.max(0, state.costUsd - baselineUsd), inputTokens, outputTokens, unpriced: state.hasUnpriced, simulated: state.simulated };
}
