/**
 * The state one run shares between its parts (scheduling.ts, step-lifecycle.ts, step-faults.ts,
 * waits.ts, ending.ts, replay.ts): the plan, each step's runtime, the ready queue, the result, and the one
 * way out, `emit`. The parts are plain functions over this object; RunLoop is their public face.
 */
import type { PinnedFlowEntry, RunEvent, RunEventBody } from '../../shared/events.ts';
import type { StepStatus } from '../../shared/run-state.ts';
import { RunBudget, type RunSpendCaps } from './budget.ts';
import type { Plan, PlanNode } from './compile.ts';
import type { EngineServices, Executor, ExecutorLookup, OuterBudget, RunFlows, StepContext } from './executor.ts';
import { LiveStepContext, type StepHost } from './live-step-context.ts';
import { newStepRuntime, type StepRuntime } from './step-runtime.ts';
import type { RunOrigin } from '../../shared/run-origin.ts';

export interface EngineOptions {
  /** Executors by kind name: `executors` from server/executors, or a map with a test's kinds added. */
  executors: ExecutorLookup;
  services?: EngineServices;
  /** Receives every event, in order, synchronously; the caller persists, then broadcasts. */
  onEvent: (event: RunEvent) => void;
  /**
   * Write-ahead gate: resolves when every event emitted so far is durable, rejects when the store
   * failed. With it, no executor runs (and no answer takes effect) before its `step.started` (or
   * `step.decided`) event is durable. Without it, steps start at once.
   */
  durable?: () => Promise<void>;
  /** Wall clock in ms (event times, deadlines); defaults to Date.now. */
  now?: () => number;
  /** What started the run, recorded on its `run.started` (shared/run-origin.ts). */
  origin?: RunOrigin;
  /** A child run's: its parent step's share of the parent's budget (see budget.ts). */
  outerBudget?: OuterBudget;
}

/** The flow's spend caps and the server's, when the services keep a spend ledger. */
function spendCapsOf(runId: string, plan: Plan, options: EngineOptions): RunSpendCaps | undefined {
  const spend = options.services?.spend;
  if (!spend) return undefined;
  const caps = [...(plan.flow.settings?.spendCaps ?? []).map((cap) => ({ ...cap, scope: 'flow' as const })), ...spend.serverCaps];
  return { ledger: spend.ledger, flowId: plan.flow.id, runId, caps, now: () => options.now?.() ?? Date.now() };
}

/** Where a run stands among runs: the flows it pinned, and the parent of a child run. Recorded in `run.started`. */
export interface RunLink {
  flows?: Record<string, PinnedFlowEntry>;
  parentRunId?: string;
  parentNodeId?: string;
  itemIndex?: number;
  /** 1 for a top-level run's child; absent for a top-level run. */
  depth?: number;
}

class PinnedRunFlows implements RunFlows {
  readonly #flows: Record<string, PinnedFlowEntry>;
  constructor(flows: Record<string, PinnedFlowEntry> | undefined) {
    this.#flows = flows ?? {};
  }
  get(id: string): PinnedFlowEntry | undefined {
    return Object.hasOwn(this.#flows, id) ? this.#flows[id] : undefined;
  }
  all(): Readonly<Record<string, PinnedFlowEntry>> {
    return this.#flows;
  }
}

export type SettleStatus = 'succeeded' | 'failed' | 'cancelled' | 'waiting';

export class RunCore {
  readonly runId: string;
  readonly plan: Plan;
  readonly options: EngineOptions;
  readonly inputs: Record<string, unknown>;
  readonly nodes: StepRuntime[];
  readonly budget: RunBudget;
  /** Plan indexes of steps whose inputs have all arrived, read from `readAt` on. */
  readonly ready: number[] = [];
  readAt = 0;
  readonly result: Record<string, unknown> = {};
  readonly resultOwner = new Map<string, string>();
  readonly runController = new AbortController();
  readonly settleWaiters: Array<(status: SettleStatus) => void> = [];
  readonly finishWaiters: Array<(status: Exclude<SettleStatus, 'waiting'>) => void> = [];
  readonly host: StepHost;
  readonly link: RunLink;
  seq: number;
  running = 0;
  waiting = 0;
  draining = false;
  ended: SettleStatus | undefined;
  terminal: RunEvent | undefined;
  #lastClock = NaN;
  #lastIso = '';

  constructor(runId: string, plan: Plan, inputs: Record<string, unknown>, options: EngineOptions, lastSeq: number, link: RunLink = {}) {
    this.runId = runId;
    this.plan = plan;
    this.options = options;
    this.inputs = inputs;
    this.seq = lastSeq;
    this.link = link;
    this.budget = new RunBudget(plan.flow.settings?.budgetUsd, spendCapsOf(runId, plan, options), options.outerBudget);
    this.nodes = plan.nodes.map((planNode) => newStepRuntime(planNode.wiredInputs));
    this.host = {
      runId,
      runInputs: inputs,
      settings: plan.flow.settings ?? {},
      services: options.services ?? {},
      budget: this.budget,
      flows: new PinnedRunFlows(link.flows),
      depth: link.depth ?? 0,
      runSignal: this.runController.signal,
      emitFor: (nodeId, attempt, emission) => {
        const runtime = this.nodes[this.plan.byId.get(nodeId)!.index]!;
        if (!this.isCurrent(runtime, attempt, 'running')) return;
        if (emission.type === 'step.cost') this.budget.recordCost(nodeId, attempt, emission.usd);
        this.emit({ ...emission, nodeId } as RunEventBody);
      },
      onStopFor: (nodeId, attempt, costSoFar) => {
        const runtime = this.nodes[this.plan.byId.get(nodeId)!.index]!;
        if (this.isCurrent(runtime, attempt, 'running')) runtime.costOnStop = costSoFar;
      },
    };
  }

  isCurrent(runtime: StepRuntime, attempt: number, status: StepStatus): boolean {
    return !this.ended && runtime.status === status && runtime.attempt === attempt;
  }

  executorOf(planNode: PlanNode): Executor {
    const executors = this.options.executors as Readonly<Record<string, Executor>>;
    const kind = planNode.node.kind;
    if (!Object.hasOwn(executors, kind)) throw new Error(`no executor for node kind "${kind}"`);
    return executors[kind]!;
  }

  contextOf(planNode: PlanNode, runtime: StepRuntime): StepContext {
    return new LiveStepContext(this.host, planNode.node, planNode.config, runtime, runtime.attempt);
  }

  now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /**
   * Stamps and hands over one event. `seq` advances only once `onEvent` returned: an event the
   * store refused (it threw) leaves no gap in the log.
   */
  emit(body: RunEventBody): void {
    const seq = this.seq + 1;
    const event = { runId: this.runId, seq, at: this.#isoNow(), ...body } as RunEvent;
    this.options.onEvent(event);
    this.seq = seq;
    if (event.type === 'run.succeeded' || event.type === 'run.failed' || event.type === 'run.cancelled') this.terminal = event;
  }

  /** ISO time of now, formatted once per millisecond (a run emits many events per millisecond). */
  #isoNow(): string {
    const clock = this.now();
    if (clock !== this.#lastClock) {
      this.#lastClock = clock;
      this.#lastIso = new Date(clock).toISOString();
    }
    return this.#lastIso;
  }
}
