import { setMaxListeners } from 'node:events';
import { DEFAULT_MAP_CONCURRENCY, MAX_MAP_ITEMS, type ItemFailure, type MapConfig } from '../../shared/kinds/map.ts';
import { StepFailure, type Executor, type StepContext } from '../engine/executor.ts';
import { ChildBudgets } from './children/child-budgets.ts';
import { CostRollup } from './children/cost-rollup.ts';
import { callEstimate, checkCallable, childEndText, runChild, type ChildStep } from './children/run-child.ts';

/**
 * Runs the pinned child flow once per item, at most `concurrency` child runs at once, each with
 * its own log and id. Results come back in item order; with `onItemFailure: 'continue'` a failed
 * item leaves null in `results` and an entry in `failures`, otherwise the first failure cancels
 * the items still running and fails the step. Progress (`step.progress`) is reported as items end.
 */
export const mapExecutor: Executor<MapConfig> = {
  async run(context) {
    const { config } = context;
    checkCallable(context, config.flow);
    const items = context.inputs.items;
    if (!Array.isArray(items)) throw new StepFailure('port-type', `node "${context.node.id}": items must be a list`);
    if (items.length > MAX_MAP_ITEMS) throw new StepFailure('too-many-items', `node "${context.node.id}": ${items.length} items is more than the ${MAX_MAP_ITEMS} a map runs`);
    const costs = new CostRollup(context, config.flow);
    const budgets = new ChildBudgets(context.budget, () => costs.reportedUsd());
    try {
      return await mapItems({ context, flowId: config.flow, budgets, costs }, config, items);
    } finally {
      costs.finish();
      budgets.release();
    }
  },

  /** Per item, and for `items` items (one when not told: the list is not known before the run). */
  estimate: (request) => callEstimate(request, request.config.flow, request.items ?? (Array.isArray(request.inputs.items) ? request.inputs.items.length : 1)),
};

async function mapItems(step: ChildStep, config: MapConfig, items: unknown[]) {
  const { context } = step;
  const shared = sharedInputs(context, config.itemInput);
  const total = items.length;
  const results: unknown[] = new Array<unknown>(total).fill(null);
  const failures: ItemFailure[] = [];
  const stop = new AbortController();
  const signal = AbortSignal.any([context.signal, stop.signal]);
  // Each child run in flight listens on it (a few listeners each, removed when it ends): with
  // concurrency above about 10, Node would warn of a leak that is not one.
  setMaxListeners(10 + 4 * (config.concurrency ?? DEFAULT_MAP_CONCURRENCY), signal);
  let next = 0;
  let done = 0;
  let firstFailure: string | undefined;
  context.emit({ type: 'step.progress', done: 0, failed: 0, total });

  const worker = async (): Promise<void> => {
    while (next < total && !signal.aborted) {
      const index = next++;
      const end = await runChild(step, { ...shared, [config.itemInput]: items[index] }, signal, index);
      if (signal.aborted && end.status !== 'succeeded') return;
      if (end.status === 'succeeded') {
        results[index] = end.outputs;
        done++;
      } else {
        const text = childEndText(end, config.flow);
        failures.push({ index, error: text });
        if (config.onItemFailure !== 'continue') {
          firstFailure ??= `item ${index} failed: ${text}`;
          stop.abort();
        }
      }
      context.emit({ type: 'step.progress', done, failed: failures.length, total });
    }
  };
  const workers = Math.min(config.concurrency ?? DEFAULT_MAP_CONCURRENCY, total);
  await Promise.all(Array.from({ length: workers }, worker));
  if (context.signal.aborted) throw new StepFailure('cancelled', `step "${context.node.id}" was stopped`);
  if (firstFailure !== undefined) throw new StepFailure('item-failed', firstFailure);
  failures.sort((a, b) => a.index - b.index);
  return { type: 'outputs' as const, outputs: config.onItemFailure === 'continue' ? { results, failures } : { results } };
}

/** The inputs every item's run gets: all the step's inputs but the list. */
function sharedInputs(context: StepContext, itemInput: string): Record<string, unknown> {
  const shared: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(context.inputs)) if (name !== 'items' && name !== itemInput) shared[name] = value;
  return shared;
}
