/**
 * Scheduling: which steps are ready, in what order they start, and how values move along wires.
 * A step is ready when every wired input has a value or a skip; it is skipped when an input did not
 * fire (unless its kind accepts partial inputs and at least one value came).
 */
import type { PlanNode } from './compile.ts';
import { checkSettled } from './ending.ts';
import type { RunCore } from './run-core.ts';
import { faultStep } from './step-faults.ts';
import { startStep } from './step-lifecycle.ts';

/** Starts every ready step, then checks whether the run has settled. Re-entrant calls return at once. */
export function drain(run: RunCore): void {
  if (run.draining) return;
  run.draining = true;
  try {
    while (run.readAt < run.ready.length && !run.ended) {
      const planNode = run.plan.nodes[run.ready[run.readAt++]!]!;
      try {
        resolve(run, planNode);
      } catch (error) {
        faultStep(run, planNode, run.nodes[planNode.index]!, run.nodes[planNode.index]!.attempt, error);
      }
    }
    run.ready.length = 0;
    run.readAt = 0;
  } finally {
    run.draining = false;
  }
  checkSettled(run);
}

export function queueRoots(run: RunCore): void {
  for (const planNode of run.plan.nodes) if (planNode.wiredInputs === 0) run.ready.push(planNode.index);
}

function resolve(run: RunCore, planNode: PlanNode): void {
  const runtime = run.nodes[planNode.index]!;
  if (runtime.status !== 'pending') return;
  const partial = planNode.kind.acceptsPartialInputs === true;
  if (runtime.skipReason !== undefined && !(partial && runtime.anyValue)) {
    run.emit({ type: 'step.skipped', nodeId: planNode.node.id, reason: runtime.skipReason });
    runtime.status = 'skipped';
    propagate(run, planNode, {}, true);
    return;
  }
  startStep(run, planNode, runtime);
}

/** Moves values along wires; a port that did not fire marks its wires skipped. `live`: queue what became ready. */
export function propagate(run: RunCore, planNode: PlanNode, outputs: Record<string, unknown>, live: boolean): void {
  for (const [port, targets] of planNode.outgoing) {
    const fired = Object.hasOwn(outputs, port);
    for (const target of targets) {
      const runtime = run.nodes[target.node]!;
      if (fired) {
        runtime.values[target.port] = outputs[port];
        runtime.anyValue = true;
      } else {
        runtime.skipReason ??= `${target.from} did not fire`;
      }
      runtime.remaining--;
      if (live && runtime.remaining === 0) run.ready.push(target.node);
    }
  }
}
