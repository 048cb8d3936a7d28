/**
 * Child runs on the server: each child of a subflow or map step is a run of the RunManager like
 * any other (its own stored log, index entry, WebSocket stream and approvals), started under the
 * deterministic id its step asks for, linked to its parent in its `run.started`, bounded by the
 * parent step's share of the budget and cancelled when the step's signal aborts.
 *
 * What the parent step hears (cost, the end) comes from the child's STORED events, so a parent
 * never goes on from a child's result that is not yet on disk. A step that asks again for a child
 * (its next attempt after a restart) goes back to it: a finished child's end is read back, a live
 * one is awaited, and one read back at start-up is resumed from its log (RunManager defers those
 * until their parent's step asks).
 */
import { isTerminal, type RunEvent } from '../../shared/events.ts';
import type { RunState } from '../../shared/run-state.ts';
import type { OuterBudget } from '../engine/executor.ts';
import type { ChildRunEnd, ChildRunRequest, ChildRunService } from '../engine/services.ts';
import { childCostOf } from './child-cost.ts';

/** What StoredChildRuns needs of the RunManager. */
export interface ChildLaunch {
  /** Starts the child run; resolves once its `run.started` is on disk. */
  start(request: ChildRunRequest): Promise<void>;
  /**
   * Resumes a child run deferred at start-up (or, with a queue, one whose log is unfinished and no
   * process here executes: its parent was taken over from a worker) under `budget`; false when
   * there is none to resume.
   */
  resume(runId: string, budget: OuterBudget): boolean | Promise<boolean>;
  cancel(runId: string, by: string): void;
  /** The live run's state (the reducer over its stored events), kept up to date as events are stored. */
  liveState(runId: string): RunState | undefined;
  /** True while the run is stopped because its log could not be written (it continues from its log). */
  halted(runId: string): boolean;
  /** Any run's state, ended ones read back from their logs. */
  state(runId: string): Promise<RunState | undefined>;
  /** Hears every stored event, in order. */
  onEvents(listener: (events: RunEvent[]) => void): () => void;
}

/**
 * The budget a child's engine holds for its whole life: the share of whichever attempt of the
 * parent step awaits it now, so a step that comes back to a live child bounds it from then on.
 */
class ParentShare implements OuterBudget {
  current: OuterBudget;
  constructor(current: OuterBudget) {
    this.current = current;
  }
  get limitUsd(): number | undefined {
    return this.current.limitUsd;
  }
  commit(committedUsd: number, spentUsd: number): ReturnType<OuterBudget['commit']> {
    return this.current.commit(committedUsd, spentUsd);
  }
}

interface Watch {
  request: ChildRunRequest;
  state: RunState | undefined;
  /** The child's cost when this attempt went back to it: earlier attempts counted it. */
  baselineUsd: number;
  settle: (end: ChildRunEnd) => void;
}

/** The end of an ended child run, from its state; undefined while it runs or waits. */
export function childEndOf(state: RunState): ChildRunEnd | undefined {
  if (state.status === 'succeeded') return { status: 'succeeded', runId: state.runId, outputs: state.outputs ?? {} };
  if (state.status === 'failed') return { status: 'failed', runId: state.runId, error: state.error ?? { message: 'the child run failed', code: 'child-failed' } };
  if (state.status === 'cancelled') return { status: 'cancelled', runId: state.runId };
  return undefined;
}

export class StoredChildRuns implements ChildRunService {
  readonly #runs: ChildLaunch;
  readonly #watching = new Map<string, Watch>();
  /** By child run id, while the child is live here. */
  readonly #shares = new Map<string, ParentShare>();
  #unsubscribe: (() => void) | undefined;

  constructor(runs: ChildLaunch) {
    this.#runs = runs;
  }

  async run(request: ChildRunRequest): Promise<ChildRunEnd> {
    const id = request.childRunId;
    if (this.#watching.has(id)) throw new Error(`child run ${id} is already being awaited`);
    this.#unsubscribe ??= this.#runs.onEvents((events) => this.#onStored(events));
    let settle!: (end: ChildRunEnd) => void;
    const ended = new Promise<ChildRunEnd>((resolve) => (settle = resolve));
    // Watched before it starts or resumes, so no stored event of it is missed.
    const watch: Watch = { request, state: undefined, baselineUsd: 0, settle };
    this.#watching.set(id, watch);
    try {
      const share = this.#shareFor(request);
      if (await this.#runs.resume(id, share)) {
        this.#attach(watch);
      } else {
        const known = this.#runs.liveState(id) ?? (await this.#runs.state(id));
        if (known) {
          const end = childEndOf(known);
          if (end) {
            this.#watching.delete(id);
            this.#shares.delete(id);
            return end;
          }
          this.#attach(watch);
        } else {
          const started = this.#runs.start({ ...request, budget: share });
          watch.state = this.#runs.liveState(id);
          await started;
        }
      }
    } catch (error) {
      this.#watching.delete(id);
      if (!this.#runs.liveState(id)) this.#shares.delete(id);
      throw error;
    }
    const cancel = () => {
      // A parent stopped by a failed write continues from its log and comes back to this child:
      // the child goes on meanwhile, no longer awaited by this attempt.
      if (this.#runs.halted(request.parentRunId)) {
        if (this.#watching.get(id) === watch) this.#watching.delete(id);
        return;
      }
      this.#runs.cancel(id, 'parent');
    };
    if (request.signal.aborted) cancel();
    else request.signal.addEventListener('abort', cancel, { once: true });
    void ended.then(() => request.signal.removeEventListener('abort', cancel));
    // A child that ended while it was being started or resumed (a log that could not continue).
    if (watch.state && childEndOf(watch.state)) this.#end(watch, watch.state);
    return ended;
  }

  /** The child's budget, now answering to this request's share of the parent's. */
  #shareFor(request: ChildRunRequest): ParentShare {
    let share = this.#shares.get(request.childRunId);
    if (share) share.current = request.budget;
    else this.#shares.set(request.childRunId, (share = new ParentShare(request.budget)));
    return share;
  }

  /** Goes back to a live child: what it spent so far was counted by the step's earlier attempt. */
  #attach(watch: Watch): void {
    watch.state = this.#runs.liveState(watch.request.childRunId);
    watch.baselineUsd = watch.state ? childCostOf(watch.state).usd : 0;
  }

  #onStored(events: RunEvent[]): void {
    for (const event of events) {
      if (isTerminal(event)) this.#shares.delete(event.runId);
      const watch = this.#watching.get(event.runId);
      if (!watch) continue;
      // The live state object changes only when a halted child continues from its log.
      const state = this.#runs.liveState(event.runId) ?? watch.state;
      if (!state) continue;
      watch.state = state;
      if (event.type === 'step.cost') watch.request.onCost(childCostOf(state, watch.baselineUsd));
      if (isTerminal(event)) this.#end(watch, state);
    }
  }

  #end(watch: Watch, state: RunState): void {
    const end = childEndOf(state);
    if (!end || this.#watching.get(watch.request.childRunId) !== watch) return;
    this.#watching.delete(watch.request.childRunId);
    watch.settle(end);
  }
}
