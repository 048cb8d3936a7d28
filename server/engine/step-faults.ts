/**
 * Faults: what the engine does when handling a step throws (a check, an event the store refuses).
 * The step fails with code `internal`; when even that cannot be recorded, the run ends without it.
 * Nothing thrown here reaches the process.
 */
import type { StepError } from '../../shared/events.ts';
import type { PlanNode } from './compile.ts';
import { endRun, notifySettled } from './ending.ts';
import type { RunCore } from './run-core.ts';
import { failStep } from './step-lifecycle.ts';
import type { StepRuntime } from './step-runtime.ts';

/**
 * A fault while handling a step (a check that threw, an event the store refused): the step fails
 * with code `internal`. If even that cannot be recorded, the run ends without it; the run manager
 * deals with a store that fails.
 */
export function faultStep(run: RunCore, planNode: PlanNode, runtime: StepRuntime, attempt: number, fault: unknown): void {
  if (run.ended) return;
  const reason = fault instanceof Error ? `${fault.name}: ${fault.message}` : String(fault);
  const error: StepError = { message: `step "${planNode.node.id}" failed inside the engine: ${reason}`, code: 'internal' };
  if (run.isCurrent(runtime, attempt, 'running') || run.isCurrent(runtime, attempt, 'waiting')) {
    if (runtime.status === 'waiting') {
      runtime.status = 'running';
      run.waiting--;
      run.running++;
    }
    guardedFail(run, planNode, runtime, error);
  } else {
    guardedEnd(run, error, planNode.node.id);
  }
}

export function guardedFail(run: RunCore, planNode: PlanNode, runtime: StepRuntime, error: StepError): void {
  try {
    failStep(run, planNode, runtime, error);
  } catch {
    guardedEnd(run, error, planNode.node.id);
  }
}

function guardedEnd(run: RunCore, error: StepError, nodeId: string): void {
  if (run.ended) return;
  try {
    endRun(run, 'failed', error, nodeId);
  } catch {
    // Nothing more can be recorded; the run manager finds the log cut short.
    run.ended = 'failed';
    notifySettled(run, 'failed');
  }
}
