/**
 * Runs as the server sees them: starts them, keeps the live engine handles, routes decisions and
 * cancels, keeps the run index in step with the stored events, and resumes unfinished runs from
 * their logs when the server starts.
 *
 * The state it reports is the shared reducer over STORED events only, so what REST answers and the
 * WebSocket sends never gets ahead of the disk.
 */
import { randomBytes } from 'node:crypto';
import { isTerminal, type RunEvent } from '../shared/events.ts';
import type { Flow } from '../shared/flow.ts';
import { checkRunInputs } from '../shared/run-inputs.ts';
import { applyEvent, foldEvents, initialRunState, type RunState } from '../shared/run-state.ts';
import { DecisionError, resumeRun, startRun, type Decision, type EngineServices, type ExecutorMap, type RunHandle } from './engine/index.ts';
import { badRequest, conflict, notFound, RequestError } from './request-error.ts';
import { indexEntry, pendingApprovals, type PendingApproval } from './run-views.ts';
import { PinnedFlows } from './store/pinned-flows.ts';
import type { RunIndexEntry } from './store/run-index.ts';
import type { EventScrubber } from './secret-scrub.ts';
import type { RecoveredLog, RunsStore } from './store/runs-store.ts';

export interface RunManagerOptions {
  store: RunsStore;
  executors: ExecutorMap;
  services: EngineServices;
  log?: (line: string) => void;
  /** Applied to every event before it is stored: removes configured secrets (secret-scrub.ts). */
  scrub?: EventScrubber;
}

interface LiveRun {
  runId: string;
  /** Undefined while a run is being started or resumed, or when it only awaits a repair event. */
  handle: RunHandle | undefined;
  /** The reducer over the run's stored events. */
  state: RunState;
  /** Settles when the last event appended for this run is on disk. */
  lastWrite: Promise<void>;
}

const ENDED_CACHE_SIZE = 32;
/** Logs read at the same time when the server starts (reading them one by one mostly waits). */
const RESUME_PARALLEL = 24;

export type { PendingApproval };

type ResumeOutcome = 'resumed' | 'ended' | 'failed' | 'missing';

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
export async function readUnfinishedRuns(store: RunsStore): Promise<UnfinishedRuns> {
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

export function newRunId(): string {
  return `run-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export class RunManager {
  readonly #store: RunsStore;
  readonly #executors: ExecutorMap;
  readonly #services: EngineServices;
  readonly #log: (line: string) => void;
  readonly #scrub: EventScrubber;
  readonly #live = new Map<string, LiveRun>();
  /** Folded states of ended runs recently read (they never change). */
  readonly #ended = new Map<string, RunState>();
  readonly #listeners = new Set<(events: RunEvent[]) => void>();

  constructor(options: RunManagerOptions) {
    this.#store = options.store;
    this.#executors = options.executors;
    this.#services = options.services;
    this.#log = options.log ?? ((line) => console.warn(line));
    this.#scrub = options.scrub ?? ((event) => event);
    this.#store.onStored((events) => this.#onStored(events));
  }

  /** Hears every event once it is stored, in order (the WebSocket hub). */
  onEvents(listener: (events: RunEvent[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts a run of a validated flow; answers once `run.started` is on disk. */
  async start(flow: Flow, inputs: Record<string, unknown>): Promise<{ runId: string }> {
    const problems = checkRunInputs(flow, inputs);
    if (problems.length > 0) {
      throw badRequest(`the run inputs do not fit flow "${flow.id}"`, problems.map((problem) => ({ path: `inputs.${problem.field}`, message: problem.message, ...(problem.nodeId ? { nodeId: problem.nodeId } : {}) })));
    }
    const runId = newRunId();
    const record: LiveRun = { runId, handle: undefined, state: initialRunState(runId), lastWrite: Promise.resolve() };
    this.#live.set(runId, record);
    try {
      record.handle = startRun(runId, flow, inputs, this.#engineOptions(record));
    } catch (error) {
      this.#live.delete(runId);
      throw error;
    }
    await record.lastWrite;
    return { runId };
  }

  async decide(runId: string, nodeId: string, decision: Decision): Promise<RunState> {
    const record = await this.#liveOrExplain(runId, nodeId);
    try {
      record.handle!.decide(nodeId, decision);
    } catch (error) {
      if (!(error instanceof DecisionError)) throw error;
      throw new RequestError(error.code === 'unknown-step' ? 404 : error.code === 'invalid-decision' ? 400 : 409, error.message);
    }
    await record.lastWrite;
    return record.state;
  }

  async cancel(runId: string, by: string): Promise<RunState> {
    const record = await this.#liveOrExplain(runId);
    record.handle!.cancel(by);
    await record.lastWrite;
    return record.state;
  }

  /** A live run, or the 404/409 that says why there is none. */
  async #liveOrExplain(runId: string, nodeId?: string): Promise<LiveRun> {
    const record = this.#live.get(runId);
    if (record?.handle) return record;
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
    const cached = this.#ended.get(runId);
    if (cached) return cached;
    const events = await this.#store.readEvents(runId);
    if (!events || events.length === 0) return undefined;
    const state = foldEvents(events, runId);
    if (state.status !== 'running' && state.status !== 'waiting') {
      this.#ended.set(runId, state);
      if (this.#ended.size > ENDED_CACHE_SIZE) this.#ended.delete(this.#ended.keys().next().value!);
    }
    return state;
  }

  events(runId: string, after: number): Promise<RunEvent[] | undefined> {
    return this.#store.readEvents(runId, after);
  }

  exists(runId: string): boolean {
    return this.#live.has(runId) || this.#store.index.get(runId) !== undefined;
  }

  list(flowId?: string): RunIndexEntry[] {
    const runs = this.#store.index.list();
    return flowId === undefined ? runs : runs.filter((run) => run.flowId === flowId);
  }

  /** Every step waiting for a person, across runs, oldest first. */
  approvals(): PendingApproval[] {
    return pendingApprovals([...this.#live.values()].map((record) => record.state));
  }

  #engineOptions(record: LiveRun) {
    return {
      executors: this.#executors,
      services: this.#services,
      onEvent: (event: RunEvent) => {
        record.lastWrite = this.#store.append(this.#scrub(event));
      },
    };
  }

  #onStored(events: RunEvent[]): void {
    for (const event of events) {
      const record = this.#live.get(event.runId);
      if (!record) continue;
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
        this.#live.delete(event.runId);
        this.#ended.set(event.runId, record.state);
        if (this.#ended.size > ENDED_CACHE_SIZE) this.#ended.delete(this.#ended.keys().next().value!);
      }
    }
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
    // Runs of the same flow share one flow object, so the engine hashes and compiles it once.
    const flows = new PinnedFlows();
    const resumed: string[] = [];
    const failed: string[] = [];
    for (const [runId, recovered] of logs.logs) {
      const outcome = this.#resume(runId, recovered, flows);
      if (outcome === 'resumed') resumed.push(runId);
      if (outcome === 'failed') failed.push(runId);
    }
    await this.#store.indexChanged();
    return { resumed, failed };
  }

  #resume(runId: string, recovered: RecoveredLog | undefined, flows: PinnedFlows): ResumeOutcome {
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
    const record: LiveRun = { runId, handle: undefined, state, lastWrite: Promise.resolve() };
    this.#live.set(runId, record);
    const fail = (message: string, code: string): 'failed' => {
      this.#log(`weft: run ${runId} cannot continue: ${message}`);
      record.lastWrite = this.#store.append({ runId, seq: state.lastSeq + 1, at: new Date().toISOString(), type: 'run.failed', error: { message, code }, costUsd: state.costUsd });
      return 'failed';
    };
    if (recovered.damage?.kind === 'corrupt') return fail(`its log was damaged after event ${events.length} (${recovered.damage.message}); the original is kept as ${recovered.keptAside}`, 'corrupt-log');
    if (!pinned.hashMatches) this.#log(`weft: run ${runId}: the pinned flow does not match its recorded hash; continuing with the pinned flow.`);
    try {
      record.handle = resumeRun(events, this.#engineOptions(record));
    } catch (error) {
      return fail(`it could not be resumed (${error instanceof Error ? error.message : String(error)})`, 'resume-failed');
    }
    return 'resumed';
  }

  /** The live handles (tests and benchmarks). */
  liveRunIds(): string[] {
    return [...this.#live.keys()];
  }
}
