import type { RunState } from '../../shared/run-state.ts';

/** Steps in the order they started; those that have not, after, in canvas order (left to right). */
export function stepOrder(run: RunState): string[] {
  const x = new Map(run.flow?.nodes.map((node) => [node.id, node.position.x]) ?? []);
  return Object.values(run.steps)
    .sort((a, b) => (a.startedAt ?? a.endedAt ?? '~').localeCompare(b.startedAt ?? b.endedAt ?? '~') || (x.get(a.nodeId) ?? 0) - (x.get(b.nodeId) ?? 0))
    .map((step) => step.nodeId);
}

