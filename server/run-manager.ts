/**
 * Runs as the server sees them: starts them, keeps the live engine handles, routes decisions and
 * cancels, keeps the run index in step with the stored events, and resumes unfinished runs from
 * their logs when the server starts.
 *
 * The state it reports is the shared reducer over STORED events only, so what REST answers and the
 * WebSocket sends never gets ahead of the disk.
 *
 * Write-ahead: a step's executor runs only once its `step.started` is on disk (the engine's
 * `durable` gate), a run is answered as started only once `run.started` is, and a decision only
 * once `step.decided` is. When a write of a run fails, the run is halted (its engine cancelled,
 * its later events dropped, in-flight steps aborted) and continues from its log, as after a
 * restart, once the store can write again; meanwhile requests that would write answer 503.
 */
import { randomBytes } from 'node:crypto';
import { isTerminal, type PinnedFlowEntry, type RunEvent, type StepError } from '../shared/events.ts';
import type { Flow } from '../shared/flow.ts';
import { checkRunInputs } from '../shared/run-inputs.ts';
import type { RunOrigin } from '../shared/run-origin.ts';
import { applyEvent, foldEvents, initialRunState, type RunState } from '../shared/run-state.ts';
import { FollowedRuns } from './followed-runs.ts';
import { zodIssues } from './http/parse-request.ts';
import { actOnLog, announceRun, DecisionError, resumeRun, startRun, type Decision, type EngineServices, type ExecutorLookup, type ModelService, type OuterBudget, type RunHandle, type RunLink } from './engine/index.ts';
import { StoredChildRuns, type ChildLaunch } from './child-runs/stored-child-runs.ts';
import type { Departure, RunQueue } from './queue/run-queue.ts';
import { badRequest, conflict, notFound, RequestError } from './request-error.ts';
import { DEFAULT_RUN_LIMITS, exceededRunLimit, type RunLimits } from './run-limits.ts';
import { findQuarantinedSteps, quarantineEvents } from './run-quarantine.ts';
import { indexEntry, pendingApprovals, runHistory, type PendingApproval } from './run-views.ts';
import type { RunListAnswer } from '../shared/wire/rest-answers.ts';
import type { RunsQuery } from '../shared/wire/rest-requests.ts';
import { PinnedFlows } from './store/pinned-flows.ts';
import type { RunIndexEntry } from './store/run-index.ts';
import type { EventScrubber } from './secret-scrub.ts';
import type { RecoveredLog, RunsStorage } from './store/runs-storage.ts';
import { RunConflictError, StoreClosedError, storeUnavailable, StoreUnavailableError, UnrecordableEventError } from './store/store-errors.ts';

export interface RunManagerOptions {
  store: RunsStorage;
  executors: ExecutorLookup;
  services: EngineServices;
  log?: (line: string) => void;
  /** Caps per run (run-limits.ts); defaults in DEFAULT_RUN_LIMITS. */
  limits?: Partial<RunLimits>;
  /** Applied to every event before it is stored: removes configured secrets (secret-scrub.ts). */
  scrub?: EventScrubber;
  /**
   * Database mode: runs are recorded and queued here and executed by workers (`execute`), and a
   * decision or cancel for a run no engine here holds is recorded for the worker that continues it.
   */
  queue?: RunQueue;
}

interface LiveRun {
  runId: string;
  /** Undefined while a run is being started or resumed, or when it only awaits a repair event. */
  handle: RunHandle | undefined;
  /** The reducer over the run's stored events. */
  state: RunState;
  /** Settles when the last event appended for this run is on disk. */
  lastWrite: Promise<void>;
  /** A write of the run failed: its engine is stopped, its events are dropped until it continues from its log. */
  halted: boolean;
  /** The run went past a cap: its engine is being cancelled and the end is recorded as this failure. */
  overLimit: StepError | undefined;
  /** A child run's: its parent step's share of the parent's budget, kept for continuing after a halt. */
  outerBudget?: OuterBudget;
  /** Executed for the queue (`execute`): it is let go once only waits are left. */
  queued?: boolean;
}

const ENDED_CACHE_SIZE = 32;
/** Tries of a decision or cancel for a run another process appends to at the same time. */
const ACT_ATTEMPTS = 5;
/** Logs read at the same time when the server starts (reading them one by one mostly waits). */
const RESUME_PARALLEL = 24;

export type { PendingApproval };

type ResumeOutcome = 'resumed' | 'ended' | 'failed' | 'missing' | 'deferred';

/** The logs of the runs that may need resuming, read back and repaired (`readUnfinishedRuns`). */
export interface UnfinishedRuns {
  /** By run id, in index order; undefined where the log is missing. */
  logs: Map<string, RecoveredLog | undefined>;
}

/**
 * Start-up, first half: reads back (and repairs) the log of every run the index calls running or
 * waiting, and of every run the index does not know, several at a time. It needs no engine
 * services, so the server does it before starting them: the sandbox workers' start-up competes
 * for the same CPU and file-system threads, which made reading 1,000 logs several times slower.
 */
export async function readUnfinishedRuns(store: RunsStorage): Promise<UnfinishedRuns> {
  const ids = new Set(store.index.list().filter((run) => run.status === 'running' || run.status === 'waiting').map((run) => run.runId));
  for (const id of await store.logIds()) if (!store.index.get(id)) ids.add(id);
  const order = [...ids];
  const read: Array<RecoveredLog | undefined> = [];
  let next = 0;
  const reader = async (): Promise<void> => {
    while (next < order.length) {
      const index = next++;
      read[index] = await store.recover(order[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(RESUME_PARALLEL, order.length) }, reader));
  return { logs: new Map(order.map((runId, index) => [runId, read[index]])) };
}

/** A step or a run ended: a deferred child run of it may have lost its parent (`#cancelOrphans`). */
function endsAStep(event: RunEvent): boolean {
  return event.type === 'step.succeeded' || event.type === 'step.failed' || event.type === 'step.cancelled' || isTerminal(event);
}

/** A decision the engine refused, as the answer to the request (404 unknown step, 400 invalid, 409 otherwise). */
function decisionRefused(error: unknown): unknown {
  if (!(error instanceof DecisionError)) return error;
  return new RequestError(error.code === 'unknown-step' ? 404 : error.code === 'invalid-decision' ? 400 : 409, error.message, error.issues ? zodIssues(error.issues, 'body') : undefined);
}

export function newRunId(): string {
  return `run-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export interface StartOptions {
  /** Wraps the model service for this run only (a replay or what-if answers from an earlier run's log). */
  models?: (models: ModelService | undefined) => ModelService;
  /** What started the run (designer, CLI, invoke, schedule, replay, what-if), recorded in run.started. */
  origin?: RunOrigin;
  /** The flows it may call (subflow, map), pinned in run.started: shared/flow-calls.ts pinFlows. */
  flows?: Record<string, PinnedFlowEntry>;
}

export class RunManager {
  readonly #store: RunsStorage;
  readonly #executors: ExecutorLookup;
  readonly #services: EngineServices;
  /**
   * A child run's: no spend ledger of its own. Its parent step's reservation (under the parent
   * flow's caps and the server's) holds what the child spends, so the child is not counted twice.
   */
  readonly #childServices: EngineServices;
  readonly #log: (line: string) => void;
  readonly #scrub: EventScrubber;
  readonly #live = new Map<string, LiveRun>();
  /** Folded states of ended runs recently read (they never change). */
  readonly #ended = new Map<string, RunState>();
  readonly #listeners = new Set<(events: RunEvent[]) => void>();
  readonly #limits: RunLimits;
  /** Halted runs being read back from their logs (one read at a time per run). */
  readonly #continuing = new Set<string>();
  readonly #queue: RunQueue | undefined;
  /** Runs executed for the queue, by id: called once when the run leaves this process. */
  readonly #departures = new Map<string, (departure: Departure) => void>();
  /** Runs another process executes (database mode), folded from the events the store hears of them. */
  readonly #followed: FollowedRuns;
  /** Unfinished child runs read back at start-up, until their parent's step comes back to them (`#resumeDeferred`). */
  readonly #deferredChildren = new Map<string, { recovered: RecoveredLog; parent: { runId: string; nodeId: string } }>();
  /** Child runs (subflow and map steps) as runs of this manager: server/child-runs/stored-child-runs.ts. */
  readonly #children: StoredChildRuns;

  constructor(options: RunManagerOptions) {
    this.#store = options.store;
    this.#executors = options.executors;
    this.#children = new StoredChildRuns(this.#childHost());
    this.#services = { ...options.services, children: this.#children };
    const { spend: _counted, ...childServices } = this.#services;
    this.#childServices = childServices;
    this.#log = options.log ?? ((line) => console.warn(line));
    this.#limits = { ...DEFAULT_RUN_LIMITS, ...options.limits };
    this.#scrub = options.scrub ?? ((event) => event);
    this.#queue = options.queue;
    this.#followed = new FollowedRuns({ store: this.#store, log: this.#log, onEnded: (state) => this.#remember(state) });
    this.#store.onStored((events) => this.#onStored(events));
    this.#store.onRecovered(() => {
      for (const record of [...this.#live.values()]) if (record.halted) void this.#continueHalted(record);
    });
  }

  /** Hears every event once it is stored, in order (the WebSocket hub). */
  onEvents(listener: (events: RunEvent[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Starts a run of a validated flow; answers once `run.started` is on disk. When it cannot be
   * written the run leaves no trace (no log, no index entry, no step run) and this throws a
   * StoreUnavailableError (503).
   */
  async start(flow: Flow, inputs: Record<string, unknown>, options: StartOptions = {}): Promise<{ runId: string }> {
    const problems = checkRunInputs(flow, inputs);
    if (problems.length > 0) {
      throw badRequest(`the run inputs do not fit flow "${flow.id}"`, problems.map((problem) => ({ path: `inputs.${problem.field}`, message: problem.message, ...(problem.nodeId ? { nodeId: problem.nodeId } : {}) })));
    }
    await this.#store.writable('the run was not started');
    const runId = newRunId();
    // A replay or what-if answers from a model service only this process has: it runs here.
    if (this.#queue && !options.models) {
      const started = this.#scrub(announceRun(runId, flow, inputs, { executors: this.#executors, services: this.#services, ...(options.origin ? { origin: options.origin } : {}) }, options.flows ? { flows: options.flows } : {}));
      await this.#recorded(this.#queue.record([started]), 'the run was not started');
      this.#indexRecorded(foldEvents([started], runId));
      return { runId };
    }
    const services = options.models ? { ...this.#services, models: options.models(this.#services.models) } : this.#services;
    const record = this.#launch(runId, flow, inputs, { services, ...(options.origin ? { origin: options.origin } : {}) }, options.flows ? { flows: options.flows } : {});
    await this.#recorded(record.lastWrite, 'the run was not started');
    return { runId };
  }

  /** Starts a run's engine under a new live record (its `run.started` is appended at once). */
  #launch(runId: string, flow: Flow, inputs: Record<string, unknown>, engine: { services: EngineServices; origin?: RunOrigin; outerBudget?: OuterBudget }, link: RunLink): LiveRun {
    const record: LiveRun = { runId, handle: undefined, state: initialRunState(runId), lastWrite: Promise.resolve(), halted: false, overLimit: undefined, ...(engine.outerBudget ? { outerBudget: engine.outerBudget } : {}) };
    this.#live.set(runId, record);
    try {
      record.handle = startRun(runId, flow, inputs, { ...this.#engineOptions(record, engine.outerBudget), services: engine.services, ...(engine.origin ? { origin: engine.origin } : {}) }, link);
    } catch (error) {
      this.#live.delete(runId);
      throw error;
    }
    return record;
  }

  /** What StoredChildRuns needs of this manager: child runs are runs like any other, with their own logs. */
  #childHost(): ChildLaunch {
    return {
      start: (request) => {
        const parent = this.#live.get(request.parentRunId)?.state;
        const link: RunLink = { flows: { ...request.flows }, parentRunId: request.parentRunId, parentNodeId: request.parentNodeId, depth: request.depth, ...(request.itemIndex !== undefined ? { itemIndex: request.itemIndex } : {}) };
        const record = this.#launch(request.childRunId, request.flow, request.inputs, { services: this.#childServices, outerBudget: request.budget, ...(parent?.origin ? { origin: parent.origin } : {}) }, link);
        return this.#recorded(record.lastWrite, `child run ${request.childRunId} was not started`);
      },
      resume: (runId, budget) => this.#resumeDeferred(runId, budget) || this.#adoptChild(runId, budget),
      cancel: (runId, by) => this.#live.get(runId)?.handle?.cancel(by),
      liveState: (runId) => this.#live.get(runId)?.state,
      halted: (runId) => this.#live.get(runId)?.halted === true,
      state: (runId) => this.state(runId),
      onEvents: (listener) => this.onEvents(listener),
    };
  }

  async decide(runId: string, nodeId: string, decision: Decision): Promise<RunState> {
    if (this.#queue && !this.#live.has(runId)) return this.#actOnStoredRun(runId, nodeId, 'the decision was not recorded', (handle) => handle.decide(nodeId, decision));
    const record = await this.#liveOrExplain(runId, nodeId);
    await this.#store.writable('the decision was not recorded');
    if (!record.handle) return this.decide(runId, nodeId, decision);
    try {
      record.handle.decide(nodeId, decision);
    } catch (error) {
      throw decisionRefused(error);
    }
    await this.#recorded(record.lastWrite, 'the decision was not recorded');
    return record.state;
  }

  async cancel(runId: string, by: string): Promise<RunState> {
    if (this.#queue && !this.#live.has(runId)) return this.#actOnStoredRun(runId, undefined, 'the run was not cancelled', (handle) => handle.cancel(by));
    const record = await this.#liveOrExplain(runId);
    await this.#store.writable('the run was not cancelled');
    if (!record.handle) return this.cancel(runId, by);
    record.handle.cancel(by);
    await this.#recorded(record.lastWrite, 'the run was not cancelled');
    return record.state;
  }

  /**
   * A decision or cancel for a run no engine here holds (queue mode): the act is checked on the
   * run rebuilt from its stored log and its events are recorded conditionally on the log's last
   * seq, with a job for a worker to continue the run. Exactly once: of two acts on the same
   * step, whichever records second finds the log moved, reads it again and is refused (409).
   */
  async #actOnStoredRun(runId: string, nodeId: string | undefined, what: string, act: (handle: RunHandle) => void): Promise<RunState> {
    await this.#store.writable(what);
    for (let attempt = 1; ; attempt++) {
      const events = await this.#store.readEvents(runId);
      if (!events || events.length === 0) throw notFound(`there is no run "${runId}"`);
      const state = foldEvents(events, runId);
      if (nodeId !== undefined && !Object.hasOwn(state.steps, nodeId)) throw notFound(`run ${runId} has no step "${nodeId}"`);
      if (state.status !== 'running' && state.status !== 'waiting') throw conflict(`run ${runId} has ended (${state.status})`);
      // A child run is executed inside the process executing its parent, with no job of its own:
      // recording the act here would leave that engine behind its log. Not routed across servers yet.
      if (state.parent) throw conflict(`${what}: run ${runId} is a child run of run ${state.parent.runId}, executed by the process that executes its parent; answer it on that server (acting on child runs across servers is not supported yet)`);
      let added: RunEvent[];
      try {
        added = actOnLog(events, { executors: this.#executors, services: this.#services }, act).map((event) => this.#scrub(event));
      } catch (error) {
        throw decisionRefused(error);
      }
      try {
        await this.#queue!.record(added);
      } catch (error) {
        // Another process appended to the run meanwhile: read it again (the store forgets the conflict first).
        if (error instanceof RunConflictError && attempt < ACT_ATTEMPTS) {
          await this.#store.reopen(runId);
          continue;
        }
        if (error instanceof RunConflictError) await this.#store.reopen(runId).catch(() => undefined);
        await this.#recorded(Promise.reject(error), what);
      }
      for (const event of added) applyEvent(state, event);
      this.#indexRecorded(state);
      return state;
    }
  }

  /** The index entry of a run this process recorded for the queue (an ended run's row never goes back, run-event-rows.ts). */
  #indexRecorded(state: RunState): void {
    this.#store.index.put(indexEntry(state));
    void this.#store.indexChanged();
  }

  /** Waits until a write is on disk; a failure becomes the error the request answers. */
  async #recorded(write: Promise<void>, what: string): Promise<void> {
    try {
      await write;
    } catch (error) {
      if (error instanceof UnrecordableEventError) throw badRequest(`${what}: ${error.message}`);
      if (error instanceof StoreClosedError) throw new StoreUnavailableError(`${what}: the server is shutting down`);
      if (error instanceof RunConflictError) throw conflict(`${what}: ${error.message}`);
      if (error instanceof StoreUnavailableError) throw storeUnavailable(error, what);
      throw error;
    }
  }

  /** A live run, or the 404/409 (503 while it is halted) that says why there is none. */
  async #liveOrExplain(runId: string, nodeId?: string): Promise<LiveRun> {
    const record = this.#live.get(runId);
    if (record?.handle) return record;
    if (record?.halted) {
      if (nodeId !== undefined && !Object.hasOwn(record.state.steps, nodeId)) throw notFound(`run ${runId} has no step "${nodeId}"`);
      throw new StoreUnavailableError(`run ${runId} is stopped because its log could not be written; it continues from its log once the data directory can be written`);
    }
    if (this.#followed.has(runId)) throw conflict(`run ${runId} is executed by another server; send this to the server that runs it`);
    const state = await this.state(runId);
    if (!state) throw notFound(`there is no run "${runId}"`);
    if (nodeId !== undefined && !Object.hasOwn(state.steps, nodeId)) throw notFound(`run ${runId} has no step "${nodeId}"`);
    if (state.status === 'running' || state.status === 'waiting') throw conflict(`run ${runId} cannot continue (its log could not be resumed); it is being marked failed`);
    throw conflict(`run ${runId} has ended (${state.status})`);
  }

  /** The run's state from its stored events; undefined for an unknown run. */
  async state(runId: string): Promise<RunState | undefined> {
    const live = this.#live.get(runId);
    if (live && live.state.lastSeq > 0) return live.state;
    const followed = this.#followed.get(runId);
    if (followed) return followed;
    const cached = this.#ended.get(runId);
    if (cached) return cached;
    const events = await this.#store.readEvents(runId);
    if (!events || events.length === 0) return undefined;
    const state = foldEvents(events, runId);
    if (state.status !== 'running' && state.status !== 'waiting') this.#remember(state);
    return state;
  }

  /** Keeps an ended run's state (it never changes) among the recently read. */
  #remember(state: RunState): void {
    this.#ended.set(state.runId, state);
    if (this.#ended.size > ENDED_CACHE_SIZE) this.#ended.delete(this.#ended.keys().next().value!);
  }

  events(runId: string, after: number): Promise<RunEvent[] | undefined> {
    return this.#store.readEvents(runId, after);
  }

  exists(runId: string): boolean {
    return this.#live.has(runId) || this.#followed.has(runId) || this.#store.index.get(runId) !== undefined;
  }

  /** A page of the history list (run-views.ts `runHistory`). */
  history(query: RunsQuery): RunListAnswer {
    return runHistory(this.#store.index.order, query);
  }

  list(flowId?: string): RunIndexEntry[] {
    const runs = this.#store.index.list();
    return flowId === undefined ? runs : runs.filter((run) => run.flowId === flowId);
  }

  /** Every step waiting for a person, across runs, oldest first. */
  approvals(): PendingApproval[] {
    const live = [...this.#live.values()].filter((record) => !record.halted).map((record) => record.state);
    return pendingApprovals([...live, ...this.#followed.states()], (runId) => this.#live.get(runId)?.state ?? this.#followed.get(runId));
  }

  #engineOptions(record: LiveRun, outerBudget?: OuterBudget) {
    return {
      executors: this.#executors,
      services: outerBudget ? this.#childServices : this.#services,
      ...(outerBudget ? { outerBudget } : {}),
      onEvent: (event: RunEvent) => {
        if (record.halted) return;
        const stored: RunEvent = record.overLimit && event.type === 'run.cancelled' ? { runId: event.runId, seq: event.seq, at: event.at, type: 'run.failed', error: record.overLimit, costUsd: event.costUsd } : event;
        this.#append(record, stored);
        if (!record.overLimit) this.#checkLimits(record, event);
      },
      durable: () => record.lastWrite,
    };
  }

  /** Appends an event of the run, secrets scrubbed; a failed write halts the run (`#halt`). */
  #append(record: LiveRun, event: RunEvent): void {
    const write = this.#store.append(this.#scrub(event));
    // Events appended together share one write promise: one failure handler per write.
    if (write !== record.lastWrite) write.catch((error: unknown) => this.#halt(record, error));
    record.lastWrite = write;
  }

  /**
   * Past a cap, the engine is cancelled (outside the event being emitted): it settles what the
   * running steps spent and cancels them, and its `run.cancelled` is recorded as `run.failed`.
   */
  #checkLimits(record: LiveRun, event: RunEvent): void {
    const error = exceededRunLimit(event, this.#store.bytesOf(record.runId), this.#limits);
    if (!error) return;
    record.overLimit = error;
    this.#log(`weft: ${error.message}`);
    queueMicrotask(() => record.handle?.cancel('limit'));
  }

  /**
   * A write of the run failed. The engine is cancelled with its events dropped, so nothing more
   * runs or is recorded; the run continues from its log once the store can write (at once when
   * the store is fine and only an event could not be written). A run with nothing on disk yet was
   * being started: it is forgotten (the start answers the failure).
   */
  #halt(record: LiveRun, error: unknown): void {
    if (record.halted || this.#live.get(record.runId) !== record) return;
    record.halted = true;
    const handle = record.handle;
    record.handle = undefined;
    handle?.cancel('store');
    if (record.state.lastSeq === 0) {
      this.#live.delete(record.runId);
      return;
    }
    if (error instanceof StoreClosedError) {
      if (record.queued) this.#leave(record.runId, { why: 'stopped' });
      return;
    }
    // Database mode: another process recorded the run's next event; the run is its now, not continued here.
    if (error instanceof RunConflictError) {
      this.#leave(record.runId, { why: 'conflict' });
      this.#log(`weft: ${error.message}.`);
      return;
    }
    this.#log(`weft: run ${record.runId} is stopped (${error instanceof Error ? error.message : String(error)}); it continues from its log once the store can write.`);
    if (this.#store.healthy) void this.#continueHalted(record);
  }

  /** Reads a halted run's log back (cut to its whole events) and resumes it as a restart would. */
  async #continueHalted(record: LiveRun): Promise<void> {
    if (this.#continuing.has(record.runId)) return;
    this.#continuing.add(record.runId);
    let recovered: RecoveredLog | undefined;
    try {
      recovered = await this.#store.reopen(record.runId);
    } catch (error) {
      // A worker's run goes back to the queue (its lease is no longer renewed, the sweep queues it again).
      if (record.queued && this.#live.get(record.runId) === record) {
        this.#log(`weft: run ${record.runId} could not be read back (${error instanceof Error ? error.message : String(error)}); it goes back to the queue.`);
        this.#leave(record.runId, { why: 'stopped' });
        return;
      }
      this.#log(`weft: run ${record.runId} could not be read back (${error instanceof Error ? error.message : String(error)}); it is tried again when the store recovers.`);
      return;
    } finally {
      this.#continuing.delete(record.runId);
    }
    if (this.#live.get(record.runId) !== record || !record.halted) return;
    this.#live.delete(record.runId);
    const outcome = this.#resume(record.runId, recovered, new PinnedFlows(), record.outerBudget ?? null, record.queued);
    if (outcome === 'ended' || outcome === 'missing') this.#leave(record.runId, { why: 'ended' });
    void this.#store.indexChanged();
    if (outcome === 'resumed') this.#log(`weft: run ${record.runId} continues from its log.`);
  }

  #onStored(events: RunEvent[]): void {
    const elsewhere: RunEvent[] = [];
    for (const event of events) {
      const record = this.#live.get(event.runId);
      if (!record) {
        elsewhere.push(event);
        continue;
      }
      const before = record.state.status;
      try {
        applyEvent(record.state, event);
      } catch (error) {
        this.#log(`weft: run ${event.runId}: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      if (event.type === 'run.started' || record.state.status !== before || isTerminal(event)) {
        this.#store.index.put(indexEntry(record.state));
        void this.#store.indexChanged();
      }
      if (isTerminal(event)) {
        this.#leave(event.runId, { why: 'ended' });
        this.#remember(record.state);
      }
    }
    if (elsewhere.length > 0) this.#followed.apply(elsewhere);
    if (this.#deferredChildren.size > 0 && events.some(endsAStep)) this.#cancelOrphans();
    for (const listener of this.#listeners) listener(events);
  }

  /**
   * Start-up: every run the index calls running or waiting, and every log the index does not know
   * (a crash before the index was written, or an index rebuilt after corruption), is read back.
   * Ended runs get their index entry fixed; the others continue through `resumeRun`. Pass what
   * `readUnfinishedRuns` read earlier, or the logs are read now.
   */
  async resumeAll(unfinished?: UnfinishedRuns): Promise<{ resumed: string[]; failed: string[] }> {
    const logs = unfinished ?? (await readUnfinishedRuns(this.#store));
    // With a queue, workers continue runs (their leases expire and are queued again); here they are followed.
    if (this.#queue) {
      this.followUnfinished();
      return { resumed: [], failed: [] };
    }
    // Runs of the same flow share one flow object, so the engine hashes and compiles it once.
    const flows = new PinnedFlows();
    const resumed: string[] = [];
    const failed: string[] = [];
    for (const [runId, recovered] of logs.logs) {
      const outcome = this.#resume(runId, recovered, flows);
      if (outcome === 'resumed' || outcome === 'deferred') resumed.push(runId);
      if (outcome === 'failed') failed.push(runId);
    }
    this.#cancelOrphans();
    await this.#store.indexChanged();
    this.followUnfinished();
    return { resumed, failed };
  }

  /**
   * Database mode: every run the index calls unfinished that is not live here is executed by
   * another process; it is read and followed, so its state and waiting steps answer here too.
   */
  followUnfinished(): void {
    for (const entry of this.#store.index.list()) {
      if ((entry.status === 'running' || entry.status === 'waiting') && !this.#live.has(entry.runId)) this.#followed.follow(entry.runId);
    }
  }

  /**
   * `outerBudget`: a child run's parent step's share, when its parent has come back to it; null for
   * a run continued without one. Left out, an unfinished child run is deferred (`#deferredChildren`).
   * `queued`: executed for the queue (`execute`), let go once only waits are left.
   */
  #resume(runId: string, recovered: RecoveredLog | undefined, flows: PinnedFlows, outerBudget?: OuterBudget | null, queued = false): ResumeOutcome {
    const first = recovered?.events[0];
    if (!recovered || first?.type !== 'run.started') {
      this.#log(`weft: run ${runId} has no readable log${recovered ? ' (it holds no run.started)' : ''}; it is left out of the run list.`);
      this.#store.index.remove(runId);
      return 'missing';
    }
    const { events } = recovered;
    const pinned = flows.intern(first.flow, first.flowHash);
    if (pinned.flow !== first.flow) events[0] = { ...first, flow: pinned.flow };
    const state = foldEvents(events, runId);
    this.#store.index.put(indexEntry(state));
    if (state.status !== 'running' && state.status !== 'waiting') return 'ended';
    if (state.parent && outerBudget === undefined) {
      this.#deferredChildren.set(runId, { recovered, parent: state.parent });
      return 'deferred';
    }
    const record: LiveRun = { runId, handle: undefined, state, lastWrite: Promise.resolve(), halted: false, overLimit: undefined, queued, ...(outerBudget ? { outerBudget } : {}) };
    this.#live.set(runId, record);
    this.#followed.forget(runId);
    const quarantined = findQuarantinedSteps(events);
    if (quarantined.length > 0) {
      for (const step of quarantined) this.#log(`weft: run ${runId}: ${step.error.message}.`);
      for (const event of quarantineEvents(state, quarantined, new Date().toISOString())) this.#append(record, event);
      return 'failed';
    }
    const fail = (message: string, code: string): 'failed' => {
      this.#log(`weft: run ${runId} cannot continue: ${message}`);
      this.#append(record, { runId, seq: state.lastSeq + 1, at: new Date().toISOString(), type: 'run.failed', error: { message, code }, costUsd: state.costUsd });
      return 'failed';
    };
    if (recovered.damage?.kind === 'corrupt') return fail(`its log was damaged after event ${events.length} (${recovered.damage.message}); the original is kept as ${recovered.keptAside}`, 'corrupt-log');
    if (!pinned.hashMatches) this.#log(`weft: run ${runId}: the pinned flow does not match its recorded hash; continuing with the pinned flow.`);
    try {
      record.handle = resumeRun(events, this.#engineOptions(record, outerBudget ?? undefined));
    } catch (error) {
      return fail(`it could not be resumed (${error instanceof Error ? error.message : String(error)})`, 'resume-failed');
    }
    if (queued) void this.#letGoWhenWaiting(record);
    return 'resumed';
  }

  /**
   * A deferred child run goes on once its parent's step comes back to it, under that step's share
   * of the budget; false when no child of that id was deferred.
   */
  #resumeDeferred(runId: string, budget: OuterBudget): boolean {
    const deferred = this.#deferredChildren.get(runId);
    if (!deferred) return false;
    this.#deferredChildren.delete(runId);
    this.#resume(runId, deferred.recovered, new PinnedFlows(), budget);
    void this.#store.indexChanged();
    return true;
  }

  /**
   * Queue mode: a child run is executed inside its parent's execution, with no job or lease of its
   * own, so when a worker dies the child's log stays unfinished and no process holds it. The
   * parent's next attempt (on whichever worker took the parent over) comes back to it by id: it is
   * read from its log and continues here, under that attempt's budget. False without a queue,
   * when it is live here already, or when its log has ended (the caller reads its end).
   */
  async #adoptChild(runId: string, budget: OuterBudget): Promise<boolean> {
    if (!this.#queue || this.#live.has(runId)) return false;
    const recovered = await this.#store.reopen(runId);
    if (this.#live.has(runId)) return false;
    const outcome = this.#resume(runId, recovered, new PinnedFlows(), budget);
    void this.#store.indexChanged();
    return outcome === 'resumed';
  }

  /**
   * Deferred child runs whose parent step will not come back to them (the parent ended, or the
   * step did, before the crash let the child hear of it) are cancelled, recorded in their logs.
   */
  #cancelOrphans(): void {
    if (this.#deferredChildren.size === 0) return;
    const awaited = (parent: { runId: string; nodeId: string }, seen: Set<string>): boolean => {
      const deferred = this.#deferredChildren.get(parent.runId);
      const state = deferred ? foldEvents(deferred.recovered.events, parent.runId) : this.#live.get(parent.runId)?.state;
      if (state?.steps[parent.nodeId]?.status !== 'running') return false;
      if (!deferred) return true;
      if (seen.has(parent.runId)) return false;
      seen.add(parent.runId);
      return awaited(deferred.parent, seen);
    };
    for (const [runId, deferred] of [...this.#deferredChildren]) {
      if (awaited(deferred.parent, new Set([runId]))) continue;
      this.#deferredChildren.delete(runId);
      if (this.#resume(runId, deferred.recovered, new PinnedFlows(), null) !== 'resumed') continue;
      this.#log(`weft: child run ${runId} is cancelled: its parent run ${deferred.parent.runId} no longer waits for it.`);
      this.#live.get(runId)?.handle?.cancel('parent');
    }
  }

  /**
   * Worker side (server/queue/): continues a run from its stored log, as a restart would (a run
   * with only its run.started is simply begun), and resolves once the run no longer needs this
   * process: it ended, only waits are left (it is let go), another process appended to it, or it
   * was stopped (`stop`).
   */
  async execute(runId: string): Promise<Departure> {
    // A run halted here on a fault and queued again (its lease expired) starts afresh from its log.
    const halted = this.#live.get(runId);
    if (halted?.queued && halted.halted) this.#leave(runId, { why: 'stopped' });
    if (this.#live.has(runId) || this.#departures.has(runId)) return { why: 'here' };
    const departed = new Promise<Departure>((resolve) => this.#departures.set(runId, resolve));
    let recovered: RecoveredLog | undefined;
    try {
      // reopen, not recover: a conflict this process met on the run earlier is forgotten.
      recovered = await this.#store.reopen(runId);
    } catch (error) {
      this.#departures.delete(runId);
      throw error;
    }
    if (this.#live.has(runId)) {
      this.#departures.delete(runId);
      return { why: 'here' };
    }
    const outcome = this.#resume(runId, recovered, new PinnedFlows(), undefined, true);
    if (outcome === 'ended' || outcome === 'missing') this.#leave(runId, { why: 'ended' });
    void this.#store.indexChanged();
    return departed;
  }

  /** Worker side: stops a run executed here at once (its lease is lost, or the worker stops); nothing more of it is recorded. */
  stop(runId: string): void {
    const record = this.#live.get(runId);
    if (!record?.queued) return;
    record.halted = true;
    const handle = record.handle;
    record.handle = undefined;
    handle?.cancel('lease');
    this.#leave(runId, { why: 'stopped' });
  }

  /** Runs executed here for the queue; a run halted on a fault is not (its lease lapses and it is queued again). */
  executing(): string[] {
    return [...this.#live.values()].filter((record) => record.queued && !record.halted).map((record) => record.runId);
  }

  /** The record leaves this process; whoever executes it for the queue hears why. */
  #leave(runId: string, departure: Departure): void {
    this.#live.delete(runId);
    const depart = this.#departures.get(runId);
    if (!depart) return;
    this.#departures.delete(runId);
    depart(departure);
  }

  /** A run executed for the queue is let go once only waits are left and all it appended is stored. */
  async #letGoWhenWaiting(record: LiveRun): Promise<void> {
    while (this.#live.get(record.runId) === record && record.handle) {
      const handle = record.handle;
      if ((await handle.settled()) !== 'waiting') return;
      await record.lastWrite.catch(() => undefined);
      if (this.#live.get(record.runId) !== record || record.handle !== handle) return;
      if (handle.status !== 'waiting') continue;
      record.halted = true;
      record.handle = undefined;
      handle.release();
      // Another process continues it: from now on it is followed like any run executed elsewhere.
      this.#followed.follow(record.runId);
      const deadline = handle.nextDeadline();
      this.#leave(record.runId, { why: 'waiting', lastSeq: record.state.lastSeq, ...(deadline !== undefined ? { deadline } : {}) });
      return;
    }
  }

  /** The live handles (tests and benchmarks). */
  liveRunIds(): string[] {
    return [...this.#live.keys()];
  }
}
