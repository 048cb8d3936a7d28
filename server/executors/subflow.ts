import type { SubflowConfig } from '../../shared/kinds/subflow.ts';
import { StepFailure, type Executor } from '../engine/executor.ts';
import { ChildBudgets } from './children/child-budgets.ts';
import { CostRollup } from './children/cost-rollup.ts';
import { callEstimate, checkCallable, childEndText, runChild } from './children/run-child.ts';

/**
 * Runs the pinned child flow as a child run with its own log and id, and gives back its result.
 * The step stays running while the child runs (or waits for a person), so its cost grows live and
 * cancelling the parent cancels the child.
 */
export const subflowExecutor: Executor<SubflowConfig> = {
  async run(context) {
    const flowId = context.config.flow;
    checkCallable(context, flowId);
    const costs = new CostRollup(context, flowId);
    const budgets = new ChildBudgets(context.budget, () => costs.reportedUsd());
    try {
      const end = await runChild({ context, flowId, budgets, costs }, context.inputs, context.signal);
      costs.finish();
      if (end.status !== 'succeeded') throw new StepFailure(end.status === 'failed' ? 'child-failed' : 'child-cancelled', childEndText(end, flowId));
      return { type: 'outputs', outputs: end.outputs };
    } finally {
      budgets.release();
    }
  },

  estimate: (request) => callEstimate(request, request.config.flow, undefined),
};
