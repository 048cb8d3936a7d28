/**
 * A StepContext for calling an executor directly in tests: records emissions, and keeps a budget
 * the way the engine does (spent = the step's latest `step.cost`, plus what other steps already
 * spent; reservations hold budget until released).
 */
import type { BudgetGate, BudgetReservation, CostEmission, StepContext, StepEmission } from '../../engine/executor.ts';
import type { ModelService } from '../../engine/services.ts';

export interface FakeBudget extends BudgetGate {
  /** Every reserve() call, granted or not. */
  requests: number[];
  /** Budget held right now by unreleased reservations. */
  heldUsd(): number;
}

export interface FakeStepContextOptions<Config> {
  config: Config;
  inputs?: Record<string, unknown>;
  models?: ModelService;
  budgetUsd?: number;
  /** Spent by other steps before this one. */
  spentElsewhereUsd?: number;
  signal?: AbortSignal;
  nodeId?: string;
  kind?: string;
}

export interface FakeStepContext<Config> {
  context: StepContext<Config>;
  emissions: StepEmission[];
  budget: FakeBudget;
  /** What the executor registered with onStop, called as the engine would when it stops the step. */
  costOnStop(): CostEmission | undefined;
  /** Emissions of one type. */
  emitted<T extends StepEmission['type']>(type: T): Array<Extract<StepEmission, { type: T }>>;
}

export function fakeStepContext<Config>(options: FakeStepContextOptions<Config>): FakeStepContext<Config> {
  const emissions: StepEmission[] = [];
  let stopHook: (() => CostEmission | undefined) | undefined;
  let stepCost = 0;
  const held = new Map<number, number>();
  let nextId = 0;
  const requests: number[] = [];
  const spentUsd = () => (options.spentElsewhereUsd ?? 0) + stepCost;
  const heldUsd = () => [...held.values()].reduce((sum, usd) => sum + usd, 0);

  const budget: FakeBudget = {
    limitUsd: options.budgetUsd,
    spentUsd,
    requests,
    heldUsd,
    reserve(usd): BudgetReservation {
      requests.push(usd);
      const limit = options.budgetUsd;
      if (limit !== undefined && spentUsd() + heldUsd() + usd > limit + 1e-12) {
        return { ok: false, spentUsd: spentUsd(), reservedUsd: heldUsd(), neededUsd: usd, limitUsd: limit };
      }
      const id = nextId++;
      held.set(id, usd);
      return { ok: true, release: () => held.delete(id) };
    },
  };

  const nodeId = options.nodeId ?? 'step';
  const context: StepContext<Config> = {
    runId: 'run-test',
    node: { id: nodeId, kind: options.kind ?? 'model', position: { x: 0, y: 0 }, config: options.config as Record<string, unknown> },
    config: options.config,
    inputs: options.inputs ?? {},
    runInputs: {},
    settings: options.budgetUsd !== undefined ? { budgetUsd: options.budgetUsd } : {},
    attempt: 1,
    flows: { get: () => undefined, all: () => ({}) },
    depth: 0,
    signal: options.signal ?? new AbortController().signal,
    emit(emission) {
      emissions.push(emission);
      if (emission.type === 'step.cost') stepCost = emission.usd ?? 0;
    },
    onStop(costSoFar) {
      stopHook = costSoFar;
    },
    budget,
    services: options.models ? { models: options.models } : {},
  };

  return {
    context,
    emissions,
    budget,
    costOnStop: () => stopHook?.(),
    emitted: (type) => emissions.filter((emission) => emission.type === type) as never,
  };
}
