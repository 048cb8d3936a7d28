/**
 * The context a step's executor receives. A class, not an object of closures: a run of 10,000
 * steps builds 10,000 of these, and methods on the prototype cost nothing per step.
 */
import type { FlowNode, FlowSettings } from '../../shared/flow.ts';
import type { RunBudget } from './budget.ts';
import type { BudgetGate, CostEmission, EngineServices, RunFlows, StepContext, StepEmission } from './executor.ts';

/** What the run loop lends every step: created once per run. */
export interface StepHost {
  readonly runId: string;
  readonly runInputs: Record<string, unknown>;
  readonly settings: FlowSettings;
  readonly services: EngineServices;
  readonly budget: RunBudget;
  readonly flows: RunFlows;
  readonly depth: number;
  readonly runSignal: AbortSignal;
  /** Records a step's emission if the step is still the running attempt. */
  emitFor(nodeId: string, attempt: number, emission: StepEmission): void;
  /** Keeps a step's cost-so-far hook if the step is still the running attempt. */
  onStopFor(nodeId: string, attempt: number, costSoFar: () => CostEmission | undefined): void;
}

/** The parts of a step's runtime state the context reads. */
export interface StepRuntime {
  values: Record<string, unknown>;
  controller: AbortController | undefined;
  /** The running attempt's cost-so-far hook (see StepContext.onStop). */
  costOnStop: (() => CostEmission | undefined) | undefined;
}

export class LiveStepContext implements StepContext {
  readonly runId: string;
  readonly node: FlowNode;
  readonly config: unknown;
  readonly inputs: Record<string, unknown>;
  readonly attempt: number;
  readonly #host: StepHost;
  readonly #runtime: StepRuntime;

  constructor(host: StepHost, node: FlowNode, config: unknown, runtime: StepRuntime, attempt: number) {
    this.#host = host;
    this.#runtime = runtime;
    this.runId = host.runId;
    this.node = node;
    this.config = config;
    this.inputs = runtime.values;
    this.attempt = attempt;
  }

  get runInputs(): Record<string, unknown> {
    return this.#host.runInputs;
  }

  get settings(): FlowSettings {
    return this.#host.settings;
  }

  get services(): EngineServices {
    return this.#host.services;
  }

  get flows(): RunFlows {
    return this.#host.flows;
  }

  get depth(): number {
    return this.#host.depth;
  }

  /** Created on first use: steps that never look at it cost no controller. */
  get signal(): AbortSignal {
    const runtime = this.#runtime;
    runtime.controller ??= new AbortController();
    if (this.#host.runSignal.aborted && !runtime.controller.signal.aborted) runtime.controller.abort(this.#host.runSignal.reason);
    return runtime.controller.signal;
  }

  get budget(): BudgetGate {
    return this.#host.budget.gateFor(this.node.id);
  }

  emit(emission: StepEmission): void {
    this.#host.emitFor(this.node.id, this.attempt, emission);
  }

  onStop(costSoFar: () => CostEmission | undefined): void {
    this.#host.onStopFor(this.node.id, this.attempt, costSoFar);
  }
}
