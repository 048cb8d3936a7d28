/**
 * A flow's worst-case cost before anything runs (`POST /api/estimate`, `weft estimate`, the run
 * dialog): every step whose executor declares `estimate` (server/executors/<kind>) reports what one
 * attempt may cost, exactly as the step reserves it against the budget.
 *
 * Each step is given the values known before the run: a run input where a node that takes the run's
 * inputs feeds the port directly; any other value (an upstream step's output, an input not given) is
 * unknown, so it stays the placeholder `{{name}}` and a prompt built from it is a lower bound.
 * Engine retries are not included: the estimate is per attempt.
 */
import { parseEndpoint, type Flow, type FlowNode } from '../shared/flow.ts';
import { MAX_FLOW_NESTING, type FlowLookup } from '../shared/flow-calls.ts';
import type { KindDefinition } from '../shared/kinds/define-kind.ts';
import { registry } from '../shared/kinds/registry.ts';
import type { Executor, ExecutorLookup, StepEstimate } from './engine/executor.ts';
import type { ModelService, ResolvedModel } from './engine/services.ts';
import { executors as builtInExecutors } from './executors/index.ts';

export type { StepEstimate } from './engine/executor.ts';

export interface FlowEstimate {
  steps: StepEstimate[];
  /** Sum over priced steps. */
  totalUsd: number;
  /** Steps whose model has no known price. */
  unpricedSteps: string[];
  budgetUsd?: number;
  /**
   * null without a budget. With one: whether the worst case fits; false when a step is unpriced,
   * because such a step fails under a budget (its cost cannot be checked).
   */
  fitsBudget: boolean | null;
}

/** Per input port of the node: the run input wired straight into it, else `{{port}}`. */
function knownInputs(flow: Flow, node: FlowNode, kind: KindDefinition, config: unknown, inputs: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const port of kind.ports(config).inputs) {
    values[port.name] = `{{${port.name}}}`;
    const edge = flow.edges.find((candidate) => candidate.to === `${node.id}.${port.name}`);
    if (!edge) continue;
    const from = parseEndpoint(edge.from);
    const source = flow.nodes.find((candidate) => candidate.id === from.nodeId);
    if (source && registry.get(source.kind)?.takesRunInputs && Object.hasOwn(inputs, from.port)) values[port.name] = inputs[from.port];
  }
  return values;
}

function resolveQuietly(models: ModelService, model: string): ResolvedModel {
  try {
    return models.resolve(model);
  } catch {
    return { model, provider: '', simulated: false, price: undefined };
  }
}

export interface EstimateOptions {
  /** The flows the flow calls (subflow, map), each priced as one worst-case run of it. */
  flows?: FlowLookup;
  /** How many items a map step is priced for (its worst case per item times this). */
  items?: number;
}

export function estimateFlow(flow: Flow, models: ModelService, inputs: Record<string, unknown> = {}, executors: ExecutorLookup = builtInExecutors, options: EstimateOptions = {}, depth = 0): FlowEstimate {
  const steps: StepEstimate[] = [];
  const lookup = executors as Readonly<Record<string, Executor>>;
  const resolve = (model: string) => resolveQuietly(models, model);
  const estimateCall = (flowId: string) => {
    const child = flowId === flow.id ? undefined : options.flows?.(flowId);
    if (!child || depth >= MAX_FLOW_NESTING) return undefined;
    const inner = estimateFlow(child, models, {}, executors, { ...options, items: undefined }, depth + 1);
    return { totalUsd: inner.totalUsd, unpriced: inner.unpricedSteps.length > 0 };
  };
  for (const node of flow.nodes) {
    const kind = registry.get(node.kind);
    const executor = Object.hasOwn(lookup, node.kind) ? lookup[node.kind] : undefined;
    if (!kind || !executor?.estimate) continue;
    const config = kind.configSchema.safeParse(node.config);
    if (!config.success) continue;
    steps.push(
      executor.estimate({ nodeId: node.id, config: config.data, inputs: knownInputs(flow, node, kind, config.data, inputs), models, resolve, estimateCall, ...(options.items !== undefined ? { items: options.items } : {}) }),
    );
  }
  const unpricedSteps = steps.filter((step) => step.worstCaseUsd === null).map((step) => step.nodeId);
  const totalUsd = steps.reduce((sum, step) => sum + (step.worstCaseUsd ?? 0), 0);
  const budgetUsd = flow.settings?.budgetUsd;
  const fitsBudget = budgetUsd === undefined ? null : unpricedSteps.length === 0 && totalUsd <= budgetUsd;
  return { steps, totalUsd, unpricedSteps, ...(budgetUsd !== undefined ? { budgetUsd } : {}), fitsBudget };
}
