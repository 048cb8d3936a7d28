/**
 * Child runs in this process, without a store: the CLI's runner and the engine's tests. Each child
 * is a run of its own (its own id and event log, kept here) linked to its parent, whose budget
 * bounds it and whose cancel cancels it. A child that waits for a person is handed to
 * `onWaiting`, which answers it or gives up.
 */
import type { RunEvent } from '../../shared/events.ts';
import { applyEvent, initialRunState, type RunState } from '../../shared/run-state.ts';
import type { EngineServices, ExecutorLookup } from '../engine/executor.ts';
import type { RunOrigin } from '../../shared/run-origin.ts';
import { startRun, type RunHandle } from '../engine/index.ts';
import type { ChildRunEnd, ChildRunRequest, ChildRunService } from '../engine/services.ts';
import { childCostOf } from './child-cost.ts';

export interface InMemoryChildRunsOptions {
  executors: ExecutorLookup;
  /** The services child runs use (this service is added as their `children`). */
  services: EngineServices;
  /** Every event of every child run, in order. */
  onEvent?: (event: RunEvent) => void;
  /** A child run stopped with only waits left; answer its steps through `handle.decide`, or cancel it. */
  onWaiting?: (handle: RunHandle, state: RunState) => void;
  /** What started the top-level run, recorded on each child's `run.started` too. */
  origin?: RunOrigin;
}

export interface InMemoryChild {
  handle: RunHandle;
  events: RunEvent[];
  state: RunState;
  ended: Promise<ChildRunEnd>;
}

export class InMemoryChildRuns implements ChildRunService {
  readonly #options: InMemoryChildRunsOptions;
  readonly #children = new Map<string, InMemoryChild>();

  constructor(options: InMemoryChildRunsOptions) {
    this.#options = options;
  }

  /** The child runs started so far, by id. */
  get children(): ReadonlyMap<string, InMemoryChild> {
    return this.#children;
  }

  run(request: ChildRunRequest): Promise<ChildRunEnd> {
    const known = this.#children.get(request.childRunId);
    if (known) return known.ended;
    const events: RunEvent[] = [];
    const state = initialRunState(request.childRunId);
    let settle!: (end: ChildRunEnd) => void;
    const ended = new Promise<ChildRunEnd>((resolve) => (settle = resolve));
    const services: EngineServices = { ...this.#options.services, children: this };
    const handle = startRun(
      request.childRunId,
      request.flow,
      request.inputs,
      {
        executors: this.#options.executors,
        services,
        outerBudget: request.budget,
        ...(this.#options.origin ? { origin: this.#options.origin } : {}),
        onEvent: (event) => {
          events.push(event);
          applyEvent(state, event);
          this.#options.onEvent?.(event);
          if (event.type === 'step.cost') request.onCost(childCostOf(state));
          if (event.type === 'run.succeeded') settle({ status: 'succeeded', runId: event.runId, outputs: event.outputs });
          if (event.type === 'run.failed') settle({ status: 'failed', runId: event.runId, error: event.error });
          if (event.type === 'run.cancelled') settle({ status: 'cancelled', runId: event.runId });
        },
      },
      {
        flows: { ...request.flows },
        parentRunId: request.parentRunId,
        parentNodeId: request.parentNodeId,
        ...(request.itemIndex !== undefined ? { itemIndex: request.itemIndex } : {}),
        depth: request.depth,
      },
    );
    this.#children.set(request.childRunId, { handle, events, state, ended });
    const cancel = () => handle.cancel('parent');
    if (request.signal.aborted) cancel();
    else request.signal.addEventListener('abort', cancel, { once: true });
    void ended.then(() => request.signal.removeEventListener('abort', cancel));
    void this.#watchWaits(handle, state);
    return ended;
  }

  async #watchWaits(handle: RunHandle, state: RunState): Promise<void> {
    for (;;) {
      const status = await handle.settled();
      if (status !== 'waiting') return;
      if (!this.#options.onWaiting) return;
      this.#options.onWaiting(handle, state);
      if (handle.status === 'waiting') return;
    }
  }
}
