/**
 * Replay: a run's log folded with the shared reducer (`applyEvent`, shared/run-state.ts), and the
 * loop's own bookkeeping rebuilt from that state: values along wires, the result, the budget. Then
 * `continueAfterReplay` carries on exactly where the log stopped; finished steps never run again.
 */
import type { RunEvent } from '../../shared/events.ts';
import { applyEvent, initialRunState, type RunState } from '../../shared/run-state.ts';
import { endRun } from './ending.ts';
import type { PlanNode } from './compile.ts';
import type { RunCore } from './run-core.ts';
import { drain, propagate } from './scheduling.ts';
import { applyDecision, armDeadline } from './waits.ts';

/** Rebuilds state from a log without emitting anything. */
export function replayLog(run: RunCore, events: readonly RunEvent[]): RunState {
  const state = initialRunState(run.runId);
  for (const event of events) {
    applyEvent(state, event);
    if (event.type === 'run.started') continue;
    if (event.type === 'run.succeeded' || event.type === 'run.failed' || event.type === 'run.cancelled') {
      run.terminal = event;
      continue;
    }
    const planNode = run.plan.byId.get(event.nodeId);
    if (!planNode) throw new Error(`run ${run.runId}: event ${event.seq} names unknown node "${event.nodeId}"`);
    // The log's order decides which skipped wire names a step's skip reason, so values move as events come.
    if (event.type === 'step.succeeded') propagate(run, planNode, event.outputs, false);
    else if (event.type === 'step.skipped') propagate(run, planNode, {}, false);
    else if (event.type === 'step.cost') run.budget.recordCost(event.nodeId, state.steps[event.nodeId]!.attempt, event.usd);
  }
  if (state.status === 'succeeded' || state.status === 'failed' || state.status === 'cancelled') run.ended = state.status;
  for (const planNode of run.plan.nodes) {
    if (!Object.hasOwn(state.steps, planNode.node.id)) continue;
    const step = state.steps[planNode.node.id]!;
    const runtime = run.nodes[planNode.index]!;
    runtime.status = step.status;
    runtime.attempt = step.attempt;
    runtime.request = step.request;
    // An answer recorded after the step's wait, whose outputs the log does not hold.
    runtime.decided = step.status === 'running' && step.decision !== undefined ? { by: step.decision.by, answer: step.decision.answer } : undefined;
    if (step.status === 'succeeded' && step.result) {
      for (const [field, value] of Object.entries(step.result)) {
        run.result[field] = value;
        run.resultOwner.set(field, planNode.node.id);
      }
    }
  }
  return state;
}

/** After replay: continue exactly where the log stopped. */
export function continueAfterReplay(run: RunCore): void {
  if (run.ended) return;
  const failed = run.plan.nodes.find((planNode) => run.nodes[planNode.index]!.status === 'failed');
  if (failed) {
    endRun(run, 'failed', { message: `step "${failed.node.id}" failed`, code: 'step-failed' }, failed.node.id);
    return;
  }
  // Decide first what each step needs, then act: acting moves values and would change the picture.
  const decided: PlanNode[] = [];
  for (const planNode of run.plan.nodes) {
    const runtime = run.nodes[planNode.index]!;
    if (runtime.status === 'running') {
      runtime.status = 'pending';
      if (runtime.decided && planNode.kind.wait) decided.push(planNode);
      else run.ready.push(planNode.index);
    } else if (runtime.status === 'waiting') {
      run.waiting++;
      armDeadline(run, planNode, runtime);
    } else if (runtime.status === 'pending' && runtime.remaining === 0) {
      run.ready.push(planNode.index);
    }
  }
  run.draining = true;
  try {
    for (const planNode of decided) {
      // The answer was logged; only its outputs were lost. Apply it, never ask again.
      const runtime = run.nodes[planNode.index]!;
      run.running++;
      runtime.status = 'running';
      applyDecision(run, planNode, runtime);
    }
  } finally {
    run.draining = false;
  }
  drain(run);
}
