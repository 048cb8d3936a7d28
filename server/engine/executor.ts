/**
 * What an executor (server/executors/<kind>/) receives and returns. The engine gives every step
 * a context with its inputs, an abort signal and ways to report progress; the executor never sees
 * the log, the store or the network layer.
 */
import type { RunEventBody, StepError } from '../../shared/events.ts';
import type { FlowNode, FlowSettings } from '../../shared/flow.ts';
import type { ConfigOf, KindName } from '../../shared/kinds/registry.ts';
import type { PinnedFlowEntry } from '../../shared/events.ts';
import type { ChildRunService, ModelService, ResolvedModel } from './services.ts';
import type { SandboxService } from './services.ts';
import type { ScopedSpendCap, SpendLedger, SpendRefusal } from './spend-ledger.ts';

/** Progress an executor may report while it runs (the engine stamps nodeId, seq and time). */
export type CostEmission = { type: 'step.cost'; model: string; inputTokens: number; outputTokens: number; cachedInputTokens?: number; cachedSavingUsd?: number; usd: number | null; final: boolean; simulated: boolean; reusedFrom?: string };

export type StepEmission =
  | { type: 'step.delta'; text: string }
  | { type: 'step.prompt'; model: string; simulated: boolean; messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }> }
  | CostEmission
  | { type: 'step.log'; level: 'log' | 'info' | 'warn' | 'error' | 'debug'; text: string }
  /** Waiting for a shared resource (a sandbox worker) when queued; time spent so does not count against the step's limit. */
  | { type: 'step.queue'; queued: boolean }
  /** A child run this step started or went back to (subflow, map). */
  | { type: 'step.child'; childRunId: string; flowId: string; itemIndex?: number }
  /** Child runs done, failed and in all (map). */
  | { type: 'step.progress'; done: number; failed: number; total: number };

/** A reservation of worst-case spend against the run's budget. */
export type BudgetReservation =
  | { ok: true; release: () => void }
  | { ok: false; spentUsd: number; reservedUsd: number; neededUsd: number; limitUsd: number };

/**
 * The budget a child run answers to: its parent step's share of the parent run's budget. The
 * child asks before each reservation whether it may hold `committedUsd` in all (spent plus held).
 */
export interface OuterBudget {
  /** The parent run's limit, when it has one. */
  limitUsd: number | undefined;
  commit(committedUsd: number, spentUsd: number): { ok: true } | Exclude<BudgetReservation, { ok: true }>;
}

export interface BudgetGate {
  /** The run's limit, or undefined when the flow sets none. */
  limitUsd: number | undefined;
  /** Settled and streaming cost so far. */
  spentUsd(): number;
  /** True when spend caps across runs cover this step: an unpriced model cannot be checked against them. */
  spendCapped?: boolean;
  /** Holds `usd` of the budget while a step runs; refused when it does not fit in what is left. */
  reserve(usd: number): BudgetReservation;
  /**
   * Holds `usd` against the spend caps across runs (after `reserve` took it from the run's budget).
   * Asynchronous: in database mode the ledger is shared by every server. Absent without caps.
   */
  reserveSpend?(usd: number): Promise<SpendHold>;
}

/** A hold on the spend caps across runs (server/engine/spend-ledger.ts); `release` settles what the step spent meanwhile and never rejects. */
export type SpendHold = { ok: true; release: () => Promise<void> } | { ok: false; spendCap: SpendRefusal };

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
  /** The flows this run pinned when it started, by id (what a subflow or map node runs). */
  flows: RunFlows;
  /** How deeply this run nests: 0 for a top-level run, 1 for its child. */
  depth: number;
}

/** The pinned flows a run may call. */
export interface RunFlows {
  get(id: string): PinnedFlowEntry | undefined;
  /** Every pinned flow, for a child run to pin in its turn. */
  all(): Readonly<Record<string, PinnedFlowEntry>>;
}

export interface EngineServices {
  models?: ModelService;
  sandbox?: SandboxService;
  /** Spend caps across runs: the ledger, and the server's own caps (a flow's are in its settings). */
  spend?: { ledger: SpendLedger; serverCaps: readonly ScopedSpendCap[] };
  /** Starts child runs (subflow, map) and tells when each ends: the run manager, or the CLI's in-memory runner. */
  children?: ChildRunService;
}

/**
 * What a step ends with: values on output ports (a port absent from `outputs` does not fire), or a
 * wait whose `request` has the shape its kind declares (`wait.requestSchema` in shared/kinds/<kind>.ts).
 */
export type StepOutcome =
  | { type: 'outputs'; outputs: Record<string, unknown>; /** Fields added to the run's result (output nodes). */ result?: Record<string, unknown> }
  | { type: 'wait'; request: unknown };

/** What ends a wait: who answered, and the answer's fields (checked against the kind's `wait.answerSchema`). */
export interface Decision {
  by: string;
  [field: string]: unknown;
}

/** What `estimate` is given: the step's config and the values known before the run (`{{name}}` for the rest). */
export interface EstimateRequest<Config = unknown> {
  nodeId: string;
  config: Config;
  /** Per input port: the run input that feeds it directly, else its placeholder `{{name}}`. */
  inputs: Record<string, unknown>;
  models: ModelService;
  resolve(model: string): ResolvedModel;
  /** The worst case of one run of a flow this step calls (subflow, map); undefined when it is not known. */
  estimateCall(flowId: string): { totalUsd: number; unpriced: boolean } | undefined;
  /** How many items to price a step over many items for (`weft estimate --items N`). */
  items?: number;
}

/** A step's worst case for one attempt, as `POST /api/estimate` and `weft estimate` report it. */
export interface StepEstimate {
  nodeId: string;
  model: string;
  simulated: boolean;
  promptTokens: number;
  maxTokens: number;
  /** The step's context budget, and what it does to the prompt counted: fits, truncated to fit, or too long (the step would fail). */
  maxInputTokens?: number;
  context?: 'fits' | 'truncated' | 'too-long';
  /** null: the model has no known price. */
  worstCaseUsd: number | null;
  /** A step over many items (map): the worst case of one item, and how many items `worstCaseUsd` is for. */
  perItemUsd?: number | null;
  items?: number;
}

export interface Executor<Config = unknown, Request = unknown, Answer = unknown> {
  run(context: StepContext<Config>): Promise<StepOutcome>;
  /** Wall-clock bound of the whole step; the engine aborts and fails the step past it. */
  timeoutMs?(config: Config): number | undefined;
  /**
   * For kinds that wait: turns an answer (already checked against the kind's `wait.answerSchema`)
   * into outputs. Throws DecisionError('invalid-decision') for one that does not fit the request.
   */
  decide?(context: StepContext<Config>, request: Request, answer: Answer, by: string): StepOutcome;
  /** For kinds that cost money: the worst case of one attempt, before anything runs. */
  estimate?(request: EstimateRequest<Config>): StepEstimate;
}

/** Every built-in kind's executor; a kind without one does not compile. */
export type ExecutorMap = { [K in KindName]: Executor<ConfigOf<K>> };

/** Executors by kind name: the built-in map, plus any kind registered at run time (a test's). */
export type ExecutorLookup = Readonly<Record<string, Executor>> | ExecutorMap;

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
