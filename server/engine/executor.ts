/**
 * What an executor (server/executors/<kind>.ts) receives and returns. The engine gives every step
 * a context with its inputs, an abort signal and ways to report progress; the executor never sees
 * the log, the store or the network layer.
 */
import type { ApprovalRequest, RunEventBody, StepError } from '../../shared/events.ts';
import type { FlowNode, FlowSettings } from '../../shared/flow.ts';
import type { ConfigOf, KindName } from '../../shared/kinds/registry.ts';
import type { ModelService } from './services.ts';
import type { SandboxService } from './services.ts';

/** Progress an executor may report while it runs (the engine stamps nodeId, seq and time). */
export type CostEmission = { type: 'step.cost'; model: string; inputTokens: number; outputTokens: number; cachedInputTokens?: number; usd: number | null; final: boolean; simulated: boolean };

export type StepEmission =
  | { type: 'step.delta'; text: string }
  | { type: 'step.prompt'; model: string; simulated: boolean; messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }> }
  | CostEmission
  | { type: 'step.log'; level: 'log' | 'info' | 'warn' | 'error' | 'debug'; text: string }
  /** Waiting for a shared resource (a sandbox worker) when queued; time spent so does not count against the step's limit. */
  | { type: 'step.queue'; queued: boolean };

/** A reservation of worst-case spend against the run's budget. */
export type BudgetReservation =
  | { ok: true; release: () => void }
  | { ok: false; spentUsd: number; reservedUsd: number; neededUsd: number; limitUsd: number };

export interface BudgetGate {
  /** The run's limit, or undefined when the flow sets none. */
  limitUsd: number | undefined;
  /** Settled and streaming cost so far. */
  spentUsd(): number;
  /** Holds `usd` of the budget while a step runs; refused when it does not fit in what is left. */
  reserve(usd: number): BudgetReservation;
}

export interface StepContext<Config = unknown> {
  runId: string;
  node: FlowNode;
  config: Config;
  /** Values that arrived on the wired input ports, already checked against their types. */
  inputs: Record<string, unknown>;
  /** The run's inputs (for the input kind). */
  runInputs: Record<string, unknown>;
  settings: FlowSettings;
  attempt: number;
  /** Aborted when the run is cancelled, fails elsewhere, or the step times out. */
  signal: AbortSignal;
  emit(emission: StepEmission): void;
  /**
   * Registers what this attempt has cost so far, asked synchronously when the engine stops the
   * attempt before it returns (cancel, timeout, failure elsewhere): the engine records that cost
   * before the stop event, so spending that the provider never reported is not lost. Return
   * undefined when nothing was spent or the final cost was already emitted.
   */
  onStop(costSoFar: () => CostEmission | undefined): void;
  budget: BudgetGate;
  services: EngineServices;
}

export interface EngineServices {
  models?: ModelService;
  sandbox?: SandboxService;
}

/** What a step ends with: values on output ports (a port absent from `outputs` does not fire), or a wait for a person. */
export type StepOutcome =
  | { type: 'outputs'; outputs: Record<string, unknown>; /** Fields added to the run's result (output nodes). */ result?: Record<string, unknown> }
  | { type: 'wait'; request: ApprovalRequest };

export interface Decision {
  decision: 'approve' | 'reject';
  by: string;
  comment?: string;
  payload?: unknown;
}

export interface Executor<Config = unknown> {
  run(context: StepContext<Config>): Promise<StepOutcome>;
  /** Wall-clock bound of the whole step; the engine aborts and fails the step past it. */
  timeoutMs?(config: Config): number | undefined;
  /** For kinds that wait: turns a person's decision into outputs. Throws DecisionError('invalid-decision') for a bad one. */
  decide?(context: StepContext<Config>, request: ApprovalRequest, decision: Decision): StepOutcome;
}

export type ExecutorMap = { [K in KindName]: Executor<ConfigOf<K>> };

/** A step's failure with a stable code; the engine turns it into `step.failed`. */
export class StepFailure extends Error {
  readonly code: string;
  readonly retryable: boolean;
  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'StepFailure';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  toStepError(): StepError {
    return { message: this.message, code: this.code, ...(this.retryable ? { retryable: true } : {}) };
  }
}

export type { RunEventBody };
