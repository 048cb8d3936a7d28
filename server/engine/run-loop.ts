/**
 * The run loop: starts ready steps, moves values along wires, skips what cannot run, and appends an
 * event for every change of state. It holds only what it can rebuild from its own log (see replay),
 * which is what lets a run stopped at an approval continue in a fresh process.
 */
import { flowHash } from '../../shared/canonical.ts';
import type { ApprovalRequest, RunEvent, RunEventBody, StepError } from '../../shared/events.ts';
import type { Flow } from '../../shared/flow.ts';
import { checkPortValue, type PortSpec } from '../../shared/ports.ts';
import { RunBudget } from './budget.ts';
import type { Plan, PlanNode } from './compile.ts';
import { DecisionError, toStepError } from './errors.ts';
import { StepFailure, type CostEmission, type Decision, type EngineServices, type Executor, type ExecutorMap, type StepContext, type StepOutcome } from './executor.ts';
import { LiveStepContext, type StepHost } from './live-step-context.ts';

export interface EngineOptions {
  executors: ExecutorMap;
  services?: EngineServices;
  /** Receives every event, in order, synchronously; the caller persists, then broadcasts. */
  onEvent: (event: RunEvent) => void;
  /** Wall clock in ms (event times, deadlines); defaults to Date.now. */
  now?: () => number;
  /**
   * Resolves when every event emitted so far is durable, rejects if the store failed. An
   * executor's `run` is called only once the `step.started` of its attempt is durable; on a
   * rejection the attempt never runs (whoever owns the run stops it).
   */
  durable?: () => Promise<void>;
}

export type SettleStatus = 'succeeded' | 'failed' | 'cancelled' | 'waiting';

const enum Status {
  Pending,
  Running,
  Waiting,
  Succeeded,
  Failed,
  Skipped,
  Cancelled,
}

interface NodeRuntime {
  status: Status;
  attempt: number;
  remaining: number;
  values: Record<string, unknown>;
  /** Why the step cannot run: the first wired input that did not fire. */
  skipReason: string | undefined;
  anyValue: boolean;
  startedAt: number;
  controller: AbortController | undefined;
  costOnStop: (() => CostEmission | undefined) | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  request: ApprovalRequest | undefined;
  /** A decision recorded in the log whose outputs were not (yet) recorded. */
  decided: Decision | undefined;
}

const STATUS_NAMES = ['pending', 'running', 'waiting', 'succeeded', 'failed', 'skipped', 'cancelled'] as const;
const MAX_TIMER_MS = 2_147_000_000;

export class RunLoop {
  readonly runId: string;
  readonly plan: Plan;
  readonly #options: EngineOptions;
  readonly #inputs: Record<string, unknown>;
  readonly #nodes: NodeRuntime[];
  readonly #budget: RunBudget;
  readonly #ready: number[] = [];
  readonly #result: Record<string, unknown> = {};
  readonly #resultOwner = new Map<string, string>();
  readonly #runController = new AbortController();
  readonly #settleWaiters: Array<(status: SettleStatus) => void> = [];
  readonly #finishWaiters: Array<(status: Exclude<SettleStatus, 'waiting'>) => void> = [];
  readonly #host: StepHost;
  #seq: number;
  #lastClock = NaN;
  #lastIso = '';
  #readAt = 0;
  #running = 0;
  #waiting = 0;
  #draining = false;
  #ended: SettleStatus | undefined;
  #terminal: RunEvent | undefined;

  constructor(runId: string, plan: Plan, inputs: Record<string, unknown>, options: EngineOptions, lastSeq = 0) {
    this.runId = runId;
    this.plan = plan;
    this.#options = options;
    this.#inputs = inputs;
    this.#seq = lastSeq;
    this.#budget = new RunBudget(plan.flow.settings?.budgetUsd);
    this.#host = {
      runId,
      runInputs: inputs,
      settings: plan.flow.settings ?? {},
      services: options.services ?? {},
      budget: this.#budget,
      runSignal: this.#runController.signal,
      emitFor: (nodeId, attempt, emission) => {
        const planNode = this.plan.byId.get(nodeId)!;
        const runtime = this.#nodes[planNode.index]!;
        if (this.#ended || runtime.status !== Status.Running || runtime.attempt !== attempt) return;
        if (emission.type === 'step.cost') this.#budget.recordCost(nodeId, attempt, emission.usd);
        this.#emit({ ...emission, nodeId } as RunEventBody);
      },
      onStopFor: (nodeId, attempt, costSoFar) => {
        const runtime = this.#nodes[this.plan.byId.get(nodeId)!.index]!;
        if (!this.#ended && runtime.status === Status.Running && runtime.attempt === attempt) runtime.costOnStop = costSoFar;
      },
    };
    this.#nodes = plan.nodes.map((planNode) => ({
      status: Status.Pending,
      attempt: 0,
      remaining: planNode.wiredInputs,
      values: {},
      skipReason: undefined,
      anyValue: false,
      startedAt: 0,
      controller: undefined,
      costOnStop: undefined,
      timer: undefined,
      request: undefined,
      decided: undefined,
    }));
  }

  get flow(): Flow {
    return this.plan.flow;
  }

  get lastSeq(): number {
    return this.#seq;
  }

  /** The run's status now: `running` while a step runs, `waiting` when only people are awaited. */
  get status(): SettleStatus | 'running' {
    if (this.#ended) return this.#ended;
    return this.#running === 0 && this.#readAt >= this.#ready.length && this.#waiting > 0 ? 'waiting' : 'running';
  }

  get terminalEvent(): RunEvent | undefined {
    return this.#terminal;
  }

  /** Steps waiting for a person, with what they were asked. */
  waitingSteps(): Array<{ nodeId: string; request: ApprovalRequest }> {
    return this.plan.nodes.flatMap((planNode) => {
      const runtime = this.#nodes[planNode.index]!;
      return runtime.status === Status.Waiting && runtime.request ? [{ nodeId: planNode.node.id, request: runtime.request }] : [];
    });
  }

  /** Resolves when the run has ended. */
  finished(): Promise<Exclude<SettleStatus, 'waiting'>> {
    if (this.#ended) return Promise.resolve(this.#ended as Exclude<SettleStatus, 'waiting'>);
    return new Promise((resolve) => this.#finishWaiters.push(resolve));
  }

  /** Resolves when the run ends, or when nothing runs and a person is awaited. */
  settled(): Promise<SettleStatus> {
    const now = this.status;
    if (now !== 'running') return Promise.resolve(now);
    return new Promise((resolve) => this.#settleWaiters.push(resolve));
  }

  // ---- starting and continuing ----

  /** Emits run.started, pinning the exact flow (and its hash) the run uses, then starts the roots. */
  start(): void {
    this.#emit({ type: 'run.started', flowId: this.plan.flow.id, flowHash: flowHash(this.plan.flow), flow: this.plan.flow, inputs: this.#inputs });
    this.#queueRoots();
    this.#drain();
  }

  #queueRoots(): void {
    for (const planNode of this.plan.nodes) if (planNode.wiredInputs === 0) this.#ready.push(planNode.index);
  }

  /** Rebuilds state from a log without emitting anything (see resume.ts). */
  replay(events: readonly RunEvent[]): void {
    for (const event of events) {
      if (event.type === 'run.started') continue;
      if (event.type === 'run.succeeded' || event.type === 'run.failed' || event.type === 'run.cancelled') {
        this.#ended = event.type === 'run.succeeded' ? 'succeeded' : event.type === 'run.failed' ? 'failed' : 'cancelled';
        this.#terminal = event;
        continue;
      }
      const planNode = this.plan.byId.get(event.nodeId);
      if (!planNode) throw new Error(`run ${this.runId}: event ${event.seq} names unknown node "${event.nodeId}"`);
      const runtime = this.#nodes[planNode.index]!;
      switch (event.type) {
        case 'step.started':
          runtime.status = Status.Running;
          runtime.attempt = event.attempt;
          runtime.decided = undefined;
          break;
        case 'step.cost':
          this.#budget.recordCost(event.nodeId, runtime.attempt, event.usd);
          break;
        case 'step.waiting':
          runtime.status = Status.Waiting;
          runtime.request = event.request;
          break;
        case 'step.decided':
          runtime.status = Status.Running;
          runtime.decided = { decision: event.decision, by: event.by, ...(event.comment !== undefined ? { comment: event.comment } : {}), ...(event.edited ? { payload: event.payload } : {}) };
          break;
        case 'step.succeeded':
          runtime.status = Status.Succeeded;
          runtime.decided = undefined;
          for (const [field, value] of Object.entries(event.result ?? {})) {
            this.#result[field] = value;
            this.#resultOwner.set(field, event.nodeId);
          }
          this.#propagate(planNode, event.outputs, false);
          break;
        case 'step.failed':
          runtime.status = Status.Failed;
          break;
        case 'step.skipped':
          runtime.status = Status.Skipped;
          this.#propagate(planNode, {}, false);
          break;
        case 'step.cancelled':
          runtime.status = Status.Cancelled;
          break;
        case 'step.prompt':
        case 'step.delta':
        case 'step.log':
          break;
      }
    }
  }

  /** After replay: continue exactly where the log stopped. Finished steps never run again. */
  continueAfterReplay(): void {
    if (this.#ended) return;
    const failed = this.plan.nodes.find((planNode) => this.#nodes[planNode.index]!.status === Status.Failed);
    if (failed) {
      this.#endRun('failed', { message: `step "${failed.node.id}" failed`, code: 'step-failed' }, failed.node.id);
      return;
    }
    // Decide first what each step needs, then act: acting moves values and would change the picture.
    const decided: PlanNode[] = [];
    for (const planNode of this.plan.nodes) {
      const runtime = this.#nodes[planNode.index]!;
      if (runtime.status === Status.Running) {
        runtime.status = Status.Pending;
        if (runtime.decided && runtime.request) decided.push(planNode);
        else this.#ready.push(planNode.index);
      } else if (runtime.status === Status.Waiting) {
        this.#waiting++;
        this.#armDeadline(planNode, runtime);
      } else if (runtime.status === Status.Pending && runtime.remaining === 0) {
        this.#ready.push(planNode.index);
      }
    }
    this.#draining = true;
    try {
      for (const planNode of decided) {
        // The decision was logged; only its outputs were lost. Apply it, never ask again.
        const runtime = this.#nodes[planNode.index]!;
        this.#running++;
        runtime.status = Status.Running;
        this.#applyDecision(planNode, runtime, runtime.request!, runtime.decided!);
      }
    } finally {
      this.#draining = false;
    }
    this.#drain();
  }

  // ---- the loop ----

  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#readAt < this.#ready.length && !this.#ended) {
        const index = this.#ready[this.#readAt++]!;
        this.#resolve(this.plan.nodes[index]!);
      }
      this.#ready.length = 0;
      this.#readAt = 0;
    } finally {
      this.#draining = false;
    }
    this.#checkSettled();
  }

  #resolve(planNode: PlanNode): void {
    const runtime = this.#nodes[planNode.index]!;
    if (runtime.status !== Status.Pending) return;
    const partial = planNode.kind.acceptsPartialInputs === true;
    if (runtime.skipReason !== undefined && !(partial && runtime.anyValue)) {
      runtime.status = Status.Skipped;
      this.#emit({ type: 'step.skipped', nodeId: planNode.node.id, reason: runtime.skipReason });
      this.#propagate(planNode, {}, true);
      return;
    }
    this.#startStep(planNode, runtime);
  }

  #startStep(planNode: PlanNode, runtime: NodeRuntime): void {
    const nodeId = planNode.node.id;
    runtime.status = Status.Running;
    runtime.attempt++;
    runtime.startedAt = performance.now();
    this.#running++;
    this.#emit({ type: 'step.started', nodeId, attempt: runtime.attempt, inputs: runtime.values });
    for (const name of Object.keys(runtime.values)) {
      const port = planNode.inputs.get(name);
      const problem = port && port.type !== 'any' ? checkPortValue(port, runtime.values[name]) : undefined;
      if (problem) {
        this.#failStep(planNode, runtime, { message: `node "${nodeId}": input ${problem.replace(/^port /, '')}`, code: 'port-type' });
        return;
      }
    }
    const attempt = runtime.attempt;
    const durable = this.#options.durable?.();
    if (!durable) return this.#runAttempt(planNode, runtime, attempt);
    durable.then(
      () => {
        if (this.#isCurrent(runtime, attempt, Status.Running)) this.#runAttempt(planNode, runtime, attempt);
      },
      () => undefined,
    );
  }

  /** Calls the executor for an attempt whose start is recorded. */
  #runAttempt(planNode: PlanNode, runtime: NodeRuntime, attempt: number): void {
    const nodeId = planNode.node.id;
    const executor = this.#executor(planNode);
    const context = this.#context(planNode, runtime);
    const timeoutMs = executor.timeoutMs?.(planNode.config as never);
    if (timeoutMs !== undefined) {
      runtime.timer = setTimeout(() => {
        if (runtime.status !== Status.Running || runtime.attempt !== attempt) return;
        this.#settleCostOnStop(planNode, runtime);
        runtime.controller?.abort(new StepFailure('timeout', `step "${nodeId}" timed out after ${timeoutMs} ms`));
        this.#failStep(planNode, runtime, { message: `step "${nodeId}" timed out after ${timeoutMs} ms`, code: 'timeout' });
      }, timeoutMs);
    }
    let pending: Promise<StepOutcome>;
    try {
      pending = executor.run(context as never);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (outcome) => {
        if (!this.#isCurrent(runtime, attempt, Status.Running)) return;
        runtime.costOnStop = undefined;
        this.#onOutcome(planNode, runtime, outcome);
      },
      (error: unknown) => {
        if (!this.#isCurrent(runtime, attempt, Status.Running)) return;
        runtime.costOnStop = undefined;
        this.#failStep(planNode, runtime, toStepError(error));
      },
    );
  }

  #isCurrent(runtime: NodeRuntime, attempt: number, status: Status): boolean {
    return !this.#ended && runtime.status === status && runtime.attempt === attempt;
  }

  #executor(planNode: PlanNode): Executor {
    return this.#options.executors[planNode.node.kind as keyof ExecutorMap] as Executor;
  }

  #context(planNode: PlanNode, runtime: NodeRuntime): StepContext {
    return new LiveStepContext(this.#host, planNode.node, planNode.config, runtime, runtime.attempt);
  }

  #onOutcome(planNode: PlanNode, runtime: NodeRuntime, outcome: StepOutcome): void {
    if (outcome.type === 'wait') {
      this.#clearTimer(runtime);
      runtime.status = Status.Waiting;
      runtime.request = outcome.request;
      this.#running--;
      this.#waiting++;
      this.#emit({ type: 'step.waiting', nodeId: planNode.node.id, request: outcome.request });
      this.#armDeadline(planNode, runtime);
      this.#checkSettled();
      return;
    }
    this.#succeed(planNode, runtime, outcome.outputs, outcome.result);
  }

  #succeed(planNode: PlanNode, runtime: NodeRuntime, rawOutputs: Record<string, unknown>, result: Record<string, unknown> | undefined): void {
    const nodeId = planNode.node.id;
    const outputs: Record<string, unknown> = {};
    for (const name of Object.keys(rawOutputs)) {
      const value = rawOutputs[name];
      if (value === undefined) continue;
      const port: PortSpec | undefined = planNode.outputs.get(name);
      if (!port) return this.#failStep(planNode, runtime, { message: `node "${nodeId}" returned "${name}", which is not one of its output ports`, code: 'unknown-output' });
      const problem = checkPortValue(port, value);
      if (problem) return this.#failStep(planNode, runtime, { message: `node "${nodeId}": output ${problem.replace(/^port /, '')}`, code: 'port-type' });
      outputs[name] = value;
    }
    if (result) {
      for (const field of Object.keys(result)) {
        const owner = this.#resultOwner.get(field);
        if (owner !== undefined) return this.#failStep(planNode, runtime, { message: `result field "${field}" arrived at both "${owner}" and "${nodeId}"`, code: 'duplicate-result' });
      }
      for (const field of Object.keys(result)) {
        this.#result[field] = result[field];
        this.#resultOwner.set(field, nodeId);
      }
    }
    this.#clearTimer(runtime);
    runtime.status = Status.Succeeded;
    this.#running--;
    const durationMs = Math.round((performance.now() - runtime.startedAt) * 1000) / 1000;
    this.#emit(result ? { type: 'step.succeeded', nodeId, outputs, result, durationMs } : { type: 'step.succeeded', nodeId, outputs, durationMs });
    this.#propagate(planNode, outputs, true);
    this.#drain();
  }

  /** Moves values along wires; a port that did not fire marks its wires skipped. */
  #propagate(planNode: PlanNode, outputs: Record<string, unknown>, live: boolean): void {
    for (const [port, targets] of planNode.outgoing) {
      const fired = Object.hasOwn(outputs, port);
      for (const target of targets) {
        const runtime = this.#nodes[target.node]!;
        if (fired) {
          runtime.values[target.port] = outputs[port];
          runtime.anyValue = true;
        } else {
          runtime.skipReason ??= `${target.from} did not fire`;
        }
        runtime.remaining--;
        if (live && runtime.remaining === 0) this.#ready.push(target.node);
      }
    }
  }

  /**
   * Records what a stopped attempt spent so far (its executor's onStop hook) while the attempt is
   * still the running one, so the cost lands in the log and the budget before the stop event.
   */
  #settleCostOnStop(planNode: PlanNode, runtime: NodeRuntime): void {
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
    this.#budget.recordCost(planNode.node.id, runtime.attempt, emission.usd);
    this.#emit({ ...emission, nodeId: planNode.node.id });
  }

  #failStep(planNode: PlanNode, runtime: NodeRuntime, error: StepError): void {
    this.#settleCostOnStop(planNode, runtime);
    this.#clearTimer(runtime);
    runtime.status = Status.Failed;
    this.#running--;
    runtime.controller?.abort(new StepFailure('cancelled', 'step failed'));
    const durationMs = Math.round((performance.now() - runtime.startedAt) * 1000) / 1000;
    this.#emit({ type: 'step.failed', nodeId: planNode.node.id, error, durationMs });
    this.#endRun('failed', error, planNode.node.id);
  }

  // ---- people ----

  decide(nodeId: string, decision: Decision): void {
    const planNode = this.plan.byId.get(nodeId);
    if (!planNode) throw new DecisionError('unknown-step', `run ${this.runId} has no step "${nodeId}"`);
    if (this.#ended) throw new DecisionError('run-ended', `run ${this.runId} has ended (${this.#ended}); nothing waits for a decision`);
    const runtime = this.#nodes[planNode.index]!;
    if (runtime.status !== Status.Waiting || !runtime.request) {
      throw new DecisionError('not-waiting', `step "${nodeId}" is not waiting for a decision (it is ${STATUS_NAMES[runtime.status]})`);
    }
    const executor = this.#executor(planNode);
    if (!executor.decide) throw new DecisionError('invalid-decision', `step "${nodeId}" does not take decisions`);
    // Checked before anything is recorded: an invalid decision changes nothing.
    executor.decide(this.#context(planNode, runtime) as never, runtime.request, decision);
    const edited = decision.decision === 'approve' && decision.payload !== undefined;
    this.#clearTimer(runtime);
    runtime.status = Status.Running;
    this.#waiting--;
    this.#running++;
    this.#emit({
      type: 'step.decided',
      nodeId,
      decision: decision.decision,
      by: decision.by,
      ...(decision.comment !== undefined ? { comment: decision.comment } : {}),
      ...(edited ? { payload: decision.payload } : {}),
      edited,
    });
    this.#applyDecision(planNode, runtime, runtime.request, decision);
  }

  #applyDecision(planNode: PlanNode, runtime: NodeRuntime, request: ApprovalRequest, decision: Decision): void {
    try {
      const outcome = this.#executor(planNode).decide!(this.#context(planNode, runtime) as never, request, decision);
      if (outcome.type === 'wait') throw new Error('a decision cannot lead to another wait');
      this.#succeed(planNode, runtime, outcome.outputs, outcome.result);
    } catch (error) {
      this.#failStep(planNode, runtime, toStepError(error));
    }
  }

  #armDeadline(planNode: PlanNode, runtime: NodeRuntime): void {
    const deadline = runtime.request?.deadline;
    if (!deadline) return;
    const now = this.#options.now?.() ?? Date.now();
    const wait = Math.max(0, Date.parse(deadline) - now);
    runtime.timer = setTimeout(() => {
      runtime.timer = undefined;
      if (runtime.status !== Status.Waiting || this.#ended) return;
      if (wait > MAX_TIMER_MS) return this.#armDeadline(planNode, runtime);
      const decision = runtime.request?.onTimeout ?? 'reject';
      this.decide(planNode.node.id, { decision, by: 'deadline', comment: `no decision by ${deadline}` });
    }, Math.min(wait, MAX_TIMER_MS));
    runtime.timer.unref?.();
  }

  #clearTimer(runtime: NodeRuntime): void {
    if (runtime.timer !== undefined) {
      clearTimeout(runtime.timer);
      runtime.timer = undefined;
    }
  }

  // ---- ending ----

  cancel(by?: string): void {
    if (this.#ended) return;
    this.#endRun('cancelled', undefined, undefined, by);
  }

  #endRun(status: 'failed' | 'cancelled', error: StepError | undefined, nodeId: string | undefined, by?: string): void {
    this.#ended = status;
    this.#runController.abort(new StepFailure('cancelled', status === 'cancelled' ? 'run cancelled' : 'run failed'));
    for (const planNode of this.plan.nodes) {
      const runtime = this.#nodes[planNode.index]!;
      if (runtime.status !== Status.Running && runtime.status !== Status.Waiting) continue;
      this.#settleCostOnStop(planNode, runtime);
      this.#clearTimer(runtime);
      runtime.status = Status.Cancelled;
      runtime.controller?.abort(new StepFailure('cancelled', status === 'cancelled' ? 'run cancelled' : 'run failed'));
      this.#emit({ type: 'step.cancelled', nodeId: planNode.node.id });
    }
    this.#running = 0;
    this.#waiting = 0;
    const costUsd = this.#budget.spentUsd();
    if (status === 'failed') this.#emit({ type: 'run.failed', error: { ...error!, ...(nodeId ? { nodeId } : {}) }, costUsd });
    else this.#emit({ type: 'run.cancelled', costUsd, ...(by ? { by } : {}) });
    this.#notifySettled(status);
  }

  #checkSettled(): void {
    if (this.#ended || this.#running > 0 || this.#readAt < this.#ready.length || this.#draining) return;
    if (this.#waiting > 0) {
      this.#notifySettled('waiting');
      return;
    }
    this.#ended = 'succeeded';
    this.#emit({ type: 'run.succeeded', outputs: this.#result, costUsd: this.#budget.spentUsd() });
    this.#notifySettled('succeeded');
  }

  #notifySettled(status: SettleStatus): void {
    const waiters = this.#settleWaiters.splice(0);
    for (const resolve of waiters) resolve(status);
    if (status !== 'waiting') for (const resolve of this.#finishWaiters.splice(0)) resolve(status);
  }

  /** ISO time of now, formatted once per millisecond (a run emits many events per millisecond). */
  #isoNow(): string {
    const clock = this.#options.now?.() ?? Date.now();
    if (clock !== this.#lastClock) {
      this.#lastClock = clock;
      this.#lastIso = new Date(clock).toISOString();
    }
    return this.#lastIso;
  }

  #emit(body: RunEventBody): void {
    const event = { runId: this.runId, seq: ++this.#seq, at: this.#isoNow(), ...body } as RunEvent;
    if (event.type === 'run.succeeded' || event.type === 'run.failed' || event.type === 'run.cancelled') this.#terminal = event;
    this.#options.onEvent(event);
  }
}
