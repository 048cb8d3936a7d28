import type { RunState } from '../../shared/run-state.ts';

/** A step not started sorts after every ISO timestamp (`~` is above every digit). */
const NOT_STARTED = '~';

/**
 * Steps in the order they started; those that have not, after, in canvas order (left to right).
 * Timestamps are ISO strings, so plain string order is time order (`localeCompare` would put `~`
 * first and costs far more in a 2,000-step run).
 */
export function stepOrder(run: RunState): string[] {
  const x = new Map(run.flow?.nodes.map((node) => [node.id, node.position.x]) ?? []);
  const keyed = Object.values(run.steps).map((step) => ({ id: step.nodeId, at: step.startedAt ?? step.endedAt ?? NOT_STARTED, x: x.get(step.nodeId) ?? 0 }));
  keyed.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.x - b.x));
  return keyed.map((step) => step.id);
}
