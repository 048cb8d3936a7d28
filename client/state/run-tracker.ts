/**
 * Folds incoming events into a run's state with the shared reducer, tolerating what a network
 * does: repeats are dropped, and a gap is reported so the caller can fetch the missing events.
 */
import type { RunEvent } from '../../shared/events.ts';
import { initialRunState, reduceRun, type RunState } from '../../shared/run-state.ts';

export interface MergeResult {
  state: RunState;
  /** An event arrived whose predecessors are missing: fetch events after `state.lastSeq`. */
  gap: boolean;
}

export function mergeEvents(state: RunState, events: readonly RunEvent[]): MergeResult {
  let current = state;
  let gap = false;
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    if (event.runId !== current.runId) continue;
    if (event.seq <= current.lastSeq) continue;
    if (event.seq !== current.lastSeq + 1) {
      gap = true;
      continue;
    }
    current = reduceRun(current, event);
  }
  return { state: current, gap };
}

export function emptyRun(runId: string): RunState {
  return initialRunState(runId);
}

export function isActive(state: Pick<RunState, 'status'> | null | undefined): boolean {
  return state?.status === 'running' || state?.status === 'waiting';
}
