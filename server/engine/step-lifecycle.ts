/**
 * A step's lifecycle: started (inputs checked), its executor called once `step.started` is durable,
 * then succeeded (outputs checked against its ports and moved on), waiting, or failed. Whatever a
 * step's checks or its recording throw fails that step (`internal`); it never escapes the loop.
 */
import type { StepError } from '../../shared/events.ts';
import { checkPortValue } from '../../shared/ports.ts';
import type { PlanNode } from './compile.ts';
import { endRun } from './ending.ts';
import { toStepError } from './errors.ts';
import { StepFailure, type CostEmission, type StepOutcome } from './executor.ts';
import type { RunCore } from './run-core.ts';
import { drain, propagate } from './scheduling.ts';
import { clearTimer, type StepRuntime } from './step-runtime.ts';
import { faultStep, guardedFail } from './step-faults.ts';
import { enterWait } from './waits.ts';

export function startStep(run: RunCore, planNode: PlanNode, runtime: StepRuntime): void {
  const nodeId = planNode.node.id;
  runtime.status = 'running';
  runtime.attempt++;
  runtime.startedAt = performance.now();
  run.running++;
  run.emit({ type: 'step.started', nodeId, attempt: runtime.attempt, inputs: runtime.values });
  for (const name of Object.keys(runtime.values)) {
    const port = planNode.inputs.get(name);
    const problem = port && port.type !== 'any' ? checkPortValue(port, runtime.values[name]) : undefined;
    if (problem) return failStep(run, planNode, runtime, { message: `node "${nodeId}": input ${problem.replace(/^port /, '')}`, code: 'port-type' });
  }
  const attempt = runtime.attempt;
  const durable = run.options.durable;
  if (durable === undefined) return callExecutor(run, planNode, runtime, attempt);
  afterDurable(run, planNode, runtime, attempt, durable, callExecutor);
}

/**
 * Runs `next` once every event so far is durable, if the attempt is still the running one then.
 * A store that failed stops the step (and so the run) without running `next`.
 */
export function afterDurable(
  run: RunCore,
  planNode: PlanNode,
  runtime: StepRuntime,
  attempt: number,
  durable: () => Promise<void>,
  next: (run: RunCore, planNode: PlanNode, runtime: StepRuntime, attempt: number) => void,
): void {
  let gate: Promise<void>;
  try {
    gate = durable();
  } catch (error) {
    gate = Promise.reject(error);
  }
  gate.then(
    () => {
      if (!run.isCurrent(runtime, attempt, 'running')) return;
      try {
        next(run, planNode, runtime, attempt);
      } catch (error) {
        faultStep(run, planNode, runtime, attempt, error);
      }
    },
    (error: unknown) => {
      if (!run.isCurrent(runtime, attempt, 'running')) return;
      const reason = error instanceof Error ? error.message : String(error);
      guardedFail(run, planNode, runtime, { message: `step "${planNode.node.id}" did not run: the run log could not be written (${reason})`, code: 'store' });
    },
  );
}

function callExecutor(run: RunCore, planNode: PlanNode, runtime: StepRuntime, attempt: number): void {
  const nodeId = planNode.node.id;
  let pending: Promise<StepOutcome>;
  try {
    const executor = run.executorOf(planNode);
    const timeoutMs = executor.timeoutMs?.(planNode.config as never);
    if (timeoutMs !== undefined) {
      runtime.timer = setTimeout(() => {
        if (!run.isCurrent(runtime, attempt, 'running')) return;
        settleCostOnStop(run, planNode, runtime);
        runtime.controller?.abort(new StepFailure('timeout', `step "${nodeId}" timed out after ${timeoutMs} ms`));
        guardedFail(run, planNode, runtime, { message: `step "${nodeId}" timed out after ${timeoutMs} ms`, code: 'timeout' });
      }, timeoutMs);
    }
    pending = executor.run(run.contextOf(planNode, runtime) as never);
  } catch (error) {
    pending = Promise.reject(error);
  }
  pending.then(
    (outcome) => {
      if (!run.isCurrent(runtime, attempt, 'running')) return;
      runtime.costOnStop = undefined;
      try {
        if (outcome.type === 'wait') enterWait(run, planNode, runtime, outcome.request);
        else succeedStep(run, planNode, runtime, outcome.outputs, outcome.result);
      } catch (error) {
        faultStep(run, planNode, runtime, attempt, error);
      }
    },
    (error: unknown) => {
      if (!run.isCurrent(runtime, attempt, 'running')) return;
      runtime.costOnStop = undefined;
      guardedFail(run, planNode, runtime, toStepError(error));
    },
  );
}

/** Checks the outputs against the ports, records the step's success, and moves the values on. May throw (see faultStep). */
export function succeedStep(run: RunCore, planNode: PlanNode, runtime: StepRuntime, rawOutputs: Record<string, unknown>, result: Record<string, unknown> | undefined): void {
  const nodeId = planNode.node.id;
  const outputs: Record<string, unknown> = {};
  for (const name of Object.keys(rawOutputs)) {
    const value = rawOutputs[name];
    if (value === undefined) continue;
    const port = planNode.outputs.get(name);
    if (!port) return failStep(run, planNode, runtime, { message: `node "${nodeId}" returned "${name}", which is not one of its output ports`, code: 'unknown-output' });
    const problem = checkPortValue(port, value);
    if (problem) return failStep(run, planNode, runtime, { message: `node "${nodeId}": output ${problem.replace(/^port /, '')}`, code: 'port-type' });
    outputs[name] = value;
  }
  if (result) {
    for (const field of Object.keys(result)) {
      const owner = run.resultOwner.get(field);
      if (owner !== undefined) return failStep(run, planNode, runtime, { message: `result field "${field}" arrived at both "${owner}" and "${nodeId}"`, code: 'duplicate-result' });
    }
  }
  const durationMs = Math.round((performance.now() - runtime.startedAt) * 1000) / 1000;
  // Recorded first: if the store refuses the event (it throws), the step is still running and fails.
  run.emit(result ? { type: 'step.succeeded', nodeId, outputs, result, durationMs } : { type: 'step.succeeded', nodeId, outputs, durationMs });
  if (result) {
    for (const field of Object.keys(result)) {
      run.result[field] = result[field];
      run.resultOwner.set(field, nodeId);
    }
  }
  clearTimer(runtime);
  runtime.status = 'succeeded';
  run.running--;
  propagate(run, planNode, outputs, true);
  drain(run);
}

export function failStep(run: RunCore, planNode: PlanNode, runtime: StepRuntime, error: StepError): void {
  settleCostOnStop(run, planNode, runtime);
  clearTimer(runtime);
  runtime.status = 'failed';
  run.running--;
  runtime.controller?.abort(new StepFailure('cancelled', 'step failed'));
  const durationMs = Math.round((performance.now() - runtime.startedAt) * 1000) / 1000;
  run.emit({ type: 'step.failed', nodeId: planNode.node.id, error, durationMs });
  endRun(run, 'failed', error, planNode.node.id);
}

/**
 * Records what a stopped attempt spent so far (its executor's onStop hook) while the attempt is
 * still the running one, so the cost lands in the log and the budget before the stop event.
 */
export function settleCostOnStop(run: RunCore, planNode: PlanNode, runtime: StepRuntime): void {
  const costSoFar = runtime.costOnStop;
  runtime.costOnStop = undefined;
  if (!costSoFar) return;
  let emission: CostEmission | undefined;
  try {
    emission = costSoFar();
  } catch {
    return; // a broken hook must not stop the stop; the last streamed estimate stands
  }
  if (!emission) return;
  run.budget.recordCost(planNode.node.id, runtime.attempt, emission.usd);
  run.emit({ ...emission, nodeId: planNode.node.id });
}
