/**
 * Runs another process executes, as this one sees them (database mode: the runs store delivers
 * other processes' stored events too, server/store/postgres/run-fanout.ts). The run manager hands
 * over the events of every run that is not live here; this folds them with the shared reducer,
 * so the state, the views and the approvals inbox answer for those runs as for live ones.
 *
 * A run first heard from its run.started is folded from there; one first heard mid-way (it
 * started before this process, or was live here and moved on) is read from the store once, and
 * the events heard during that read are applied after it, skipping the seqs the read already
 * held. The store's fan-out delivers each run's events in order and once, so the fold has no gap.
 * An ended run is handed to `onEnded` and forgotten.
 */
import { isTerminal, type RunEvent } from '../shared/events.ts';
import { applyEvent, foldEvents, initialRunState, type RunState } from '../shared/run-state.ts';
import type { RunsStorage } from './store/runs-storage.ts';

interface FollowedRun {
  /** Undefined while the run is being read from the store. */
  state: RunState | undefined;
  /** Events heard while it is being read. */
  held: RunEvent[];
}

export interface FollowedRunsOptions {
  store: Pick<RunsStorage, 'readEvents'>;
  onEnded(state: RunState): void;
  log: (line: string) => void;
}

export class FollowedRuns {
  readonly #options: FollowedRunsOptions;
  readonly #runs = new Map<string, FollowedRun>();

  constructor(options: FollowedRunsOptions) {
    this.#options = options;
  }

  has(runId: string): boolean {
    return this.#runs.has(runId);
  }

  /** The folded state, once the run has been read. */
  get(runId: string): RunState | undefined {
    return this.#runs.get(runId)?.state;
  }

  /** States of every followed run that is read (for the approvals inbox). */
  states(): RunState[] {
    const states: RunState[] = [];
    for (const run of this.#runs.values()) if (run.state) states.push(run.state);
    return states;
  }

  /** One run's stored events, in order, heard for a run that is not live here. */
  apply(events: readonly RunEvent[]): void {
    const first = events[0];
    if (!first) return;
    let run = this.#runs.get(first.runId);
    if (!run) {
      if (first.seq !== 1) return this.follow(first.runId, events);
      run = { state: initialRunState(first.runId), held: [] };
      this.#runs.set(first.runId, run);
    }
    if (!run.state) return void run.held.push(...events);
    this.#fold(run.state, events);
  }

  /** Reads a run that is not live here from the store and follows it from then on; `heard` are applied after the read. */
  follow(runId: string, heard: readonly RunEvent[] = []): void {
    if (this.#runs.has(runId)) return;
    const run: FollowedRun = { state: undefined, held: [...heard] };
    this.#runs.set(runId, run);
    void this.#options.store.readEvents(runId).then(
      (events) => {
        if (this.#runs.get(runId) !== run) return;
        if (!events || events[0]?.type !== 'run.started') return void this.#runs.delete(runId);
        const state = foldEvents(events, runId);
        run.state = state;
        if (isTerminal(events.at(-1)!)) return this.#end(runId, state);
        this.#fold(state, run.held.splice(0));
      },
      (error: unknown) => {
        // Forgotten: the run's next event starts another read.
        if (this.#runs.get(runId) === run) this.#runs.delete(runId);
        this.#options.log(`weft: could not read run ${runId} executed by another process: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  }

  /** The run is live here now: its state is the live record's. */
  forget(runId: string): void {
    this.#runs.delete(runId);
  }

  #fold(state: RunState, events: readonly RunEvent[]): void {
    for (const event of events) {
      if (event.seq <= state.lastSeq) continue;
      try {
        applyEvent(state, event);
      } catch (error) {
        this.#options.log(`weft: run ${event.runId}: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      if (isTerminal(event)) return this.#end(event.runId, state);
    }
  }

  #end(runId: string, state: RunState): void {
    this.#runs.delete(runId);
    this.#options.onEnded(state);
  }
}
