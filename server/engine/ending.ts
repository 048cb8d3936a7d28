/** How a run ends: succeeded when nothing is left to run or wait for; failed or cancelled on demand. */
import type { StepError } from '../../shared/events.ts';
import { StepFailure } from './executor.ts';
import type { RunCore, SettleStatus } from './run-core.ts';
import { settleCostOnStop } from './step-lifecycle.ts';
import { clearTimer } from './step-runtime.ts';

/** Stops every running or waiting step (recording what each spent), then records the run's end. */
export function endRun(run: RunCore, status: 'failed' | 'cancelled', error: StepError | undefined, nodeId: string | undefined, by?: string): void {
  run.ended = status;
  const reason = status === 'cancelled' ? 'run cancelled' : 'run failed';
  run.runController.abort(new StepFailure('cancelled', reason));
  for (const planNode of run.plan.nodes) {
    const runtime = run.nodes[planNode.index]!;
    if (runtime.status !== 'running' && runtime.status !== 'waiting') continue;
    settleCostOnStop(run, planNode, runtime);
    clearTimer(runtime);
    runtime.status = 'cancelled';
    runtime.controller?.abort(new StepFailure('cancelled', reason));
    run.emit({ type: 'step.cancelled', nodeId: planNode.node.id });
  }
  run.running = 0;
  run.waiting = 0;
  const costUsd = run.budget.spentUsd();
  if (status === 'failed') run.emit({ type: 'run.failed', error: { ...error!, ...(nodeId ? { nodeId } : {}) }, costUsd });
  else run.emit({ type: 'run.cancelled', costUsd, ...(by ? { by } : {}) });
  notifySettled(run, status);
}

/** Ends the run as succeeded when nothing runs, nothing is queued and nothing waits; reports a wait otherwise. */
export function checkSettled(run: RunCore): void {
  if (run.ended || run.running > 0 || run.readAt < run.ready.length || run.draining) return;
  if (run.waiting > 0) {
    notifySettled(run, 'waiting');
    return;
  }
  run.ended = 'succeeded';
  try {
    run.emit({ type: 'run.succeeded', outputs: run.result, costUsd: run.budget.spentUsd() });
  } finally {
    notifySettled(run, 'succeeded');
  }
}

export function notifySettled(run: RunCore, status: SettleStatus): void {
  for (const resolve of run.settleWaiters.splice(0)) resolve(status);
  if (status !== 'waiting') for (const resolve of run.finishWaiters.splice(0)) resolve(status);
}
