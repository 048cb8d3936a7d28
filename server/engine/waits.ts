/**
 * Waits: a step whose executor returned `{type: 'wait', request}` pauses until an answer comes
 * (a person's decision, or its kind's deadline). The answer is checked against the kind's
 * `wait.answerSchema` and by the executor's `decide` before anything is recorded; once recorded
 * (`step.decided`) it takes effect exactly once, after the event is durable when the run has a gate.
 */
import type { PlanNode } from './compile.ts';
import { DecisionError, toStepError } from './errors.ts';
import type { Decision } from './executor.ts';
import type { RunCore } from './run-core.ts';
import { checkSettled } from './ending.ts';
import { afterDurable, failStep, succeedStep } from './step-lifecycle.ts';
import { clearTimer, type StepRuntime } from './step-runtime.ts';

const MAX_TIMER_MS = 2_147_000_000;

export function enterWait(run: RunCore, planNode: PlanNode, runtime: StepRuntime, request: unknown): void {
  if (!planNode.kind.wait) throw new Error(`node kind "${planNode.node.kind}" returned a wait but declares none`);
  run.emit({ type: 'step.waiting', nodeId: planNode.node.id, request });
  clearTimer(runtime);
  runtime.status = 'waiting';
  runtime.request = request;
  run.running--;
  run.waiting++;
  armDeadline(run, planNode, runtime);
  checkSettled(run);
}

/** Records an answer to a waiting step and applies it. Throws DecisionError when it cannot apply; then nothing changed. */
export function decide(run: RunCore, nodeId: string, decision: Decision): void {
  const planNode = run.plan.byId.get(nodeId);
  if (!planNode) throw new DecisionError('unknown-step', `run ${run.runId} has no step "${nodeId}"`);
  if (run.ended) throw new DecisionError('run-ended', `run ${run.runId} has ended (${run.ended}); nothing waits for a decision`);
  const runtime = run.nodes[planNode.index]!;
  if (runtime.status !== 'waiting') throw new DecisionError('not-waiting', `step "${nodeId}" is not waiting for a decision (it is ${runtime.status})`);
  const wait = planNode.kind.wait;
  const executor = run.executorOf(planNode);
  if (!wait || !executor.decide) throw new DecisionError('invalid-decision', `step "${nodeId}" does not take decisions`);
  const { by, ...fields } = decision;
  const parsed = wait.answerSchema.safeParse(fields);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
    throw new DecisionError('invalid-decision', `step "${nodeId}": the answer does not fit: ${where}${first?.message ?? 'invalid'}`, parsed.error);
  }
  // Checked before anything is recorded: an invalid answer changes nothing.
  executor.decide(run.contextOf(planNode, runtime) as never, runtime.request as never, parsed.data as never, by);
  run.emit({ type: 'step.decided', nodeId, by, answer: parsed.data });
  clearTimer(runtime);
  runtime.status = 'running';
  runtime.decided = { by, answer: parsed.data };
  run.waiting--;
  run.running++;
  const durable = run.options.durable;
  if (durable === undefined) applyDecision(run, planNode, runtime);
  else afterDurable(run, planNode, runtime, runtime.attempt, durable, applyDecision);
}

/** Turns a recorded answer into the step's outputs (also after a restart that lost them). */
export function applyDecision(run: RunCore, planNode: PlanNode, runtime: StepRuntime): void {
  const decided = runtime.decided!;
  try {
    const outcome = run.executorOf(planNode).decide!(run.contextOf(planNode, runtime) as never, runtime.request as never, decided.answer as never, decided.by);
    if (outcome.type === 'wait') throw new Error('a decision cannot lead to another wait');
    runtime.decided = undefined;
    succeedStep(run, planNode, runtime, outcome.outputs, outcome.result);
  } catch (error) {
    if (runtime.status === 'running' && !run.ended) failStep(run, planNode, runtime, toStepError(error));
  }
}

/** Arms the kind's deadline for a waiting step (again after a restart); at the deadline its answer applies. */
export function armDeadline(run: RunCore, planNode: PlanNode, runtime: StepRuntime): void {
  const deadline = planNode.kind.wait?.deadline?.(runtime.request as never) as { at: string; answer: Record<string, unknown> } | undefined;
  if (!deadline) return;
  const wait = Math.max(0, Date.parse(deadline.at) - run.now());
  runtime.timer = setTimeout(() => {
    runtime.timer = undefined;
    if (runtime.status !== 'waiting' || run.ended) return;
    if (wait > MAX_TIMER_MS) return armDeadline(run, planNode, runtime);
    try {
      decide(run, planNode.node.id, { ...deadline.answer, by: 'deadline' });
    } catch {
      // A deadline answer its own kind refuses is a bug in the kind; the step keeps waiting for a person.
    }
  }, Math.min(wait, MAX_TIMER_MS));
  runtime.timer.unref?.();
}
