/**
 * One child run of a step (a subflow's, or one item of a map): named in the parent's log first
 * (`step.child`), then started or gone back to through the child-run service, its cost rolled up
 * into the step and its spending bounded by the step's share of the budget.
 */
import { MAX_FLOW_NESTING } from '../../../shared/flow-calls.ts';
import { StepFailure, type EstimateRequest, type StepContext, type StepEstimate } from '../../engine/executor.ts';
import type { ChildRunEnd } from '../../engine/services.ts';
import type { ChildBudgets } from './child-budgets.ts';
import { childRunId } from './child-run-id.ts';
import type { CostRollup } from './cost-rollup.ts';

export interface ChildStep {
  context: StepContext;
  flowId: string;
  budgets: ChildBudgets;
  costs: CostRollup;
}

/** Fails the step before any child starts when the flow was not pinned or nesting would go too deep. */
export function checkCallable(context: StepContext, flowId: string): void {
  if (!context.services.children) throw new StepFailure('no-child-runs', `step "${context.node.id}" runs flow "${flowId}" as a child run, but this runner has no child-run service`);
  if (!context.flows.get(flowId)) throw new StepFailure('missing-flow', `flow "${flowId}" was not pinned when run ${context.runId} started (validate the flow with its flows directory)`);
  if (context.depth + 1 > MAX_FLOW_NESTING) throw new StepFailure('nesting-depth', `child runs may nest at most ${MAX_FLOW_NESTING} levels deep; run ${context.runId} is at ${context.depth}`);
}

export async function runChild(step: ChildStep, inputs: Record<string, unknown>, signal: AbortSignal, itemIndex?: number): Promise<ChildRunEnd> {
  const { context, flowId } = step;
  const pinned = context.flows.get(flowId)!;
  const id = childRunId(context.runId, context.node.id, itemIndex);
  context.emit({ type: 'step.child', childRunId: id, flowId, ...(itemIndex !== undefined ? { itemIndex } : {}) });
  let spent = 0;
  const end = await context.services.children!.run({
    childRunId: id,
    parentRunId: context.runId,
    parentNodeId: context.node.id,
    ...(itemIndex !== undefined ? { itemIndex } : {}),
    depth: context.depth + 1,
    flowId,
    flow: pinned.flow,
    flowHash: pinned.flowHash,
    flows: context.flows.all(),
    inputs,
    budget: step.budgets.outerFor(id),
    onCost: (cost) => {
      spent = cost.usd;
      step.costs.update(id, cost);
    },
    signal,
  });
  step.budgets.settle(id, spent);
  return end;
}

/** Why a child did not succeed, in one line naming the child run. */
export function childEndText(end: Exclude<ChildRunEnd, { status: 'succeeded' }>, flowId: string): string {
  if (end.status === 'cancelled') return `child run ${end.runId} of flow "${flowId}" was cancelled`;
  const where = 'nodeId' in end.error && typeof end.error.nodeId === 'string' ? ` at ${end.error.nodeId}` : '';
  return `child run ${end.runId} of flow "${flowId}" failed${where}: ${end.error.message}`;
}

/** A step that runs a flow `runs` times, priced as that many worst-case runs of it. */
export function callEstimate(request: EstimateRequest, flowId: string, runs: number | undefined): StepEstimate {
  const call = request.estimateCall(flowId);
  const perRun = call === undefined || call.unpriced ? null : call.totalUsd;
  const base = { nodeId: request.nodeId, model: `flow ${flowId}`, simulated: false, promptTokens: 0, maxTokens: 0 };
  if (runs === undefined) return { ...base, worstCaseUsd: perRun };
  return { ...base, worstCaseUsd: perRun === null ? null : perRun * runs, perItemUsd: perRun, items: runs };
}
