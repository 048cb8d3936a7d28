/**
 * Folds incoming events into a run's state with the shared reducer, tolerating what a network
 * does: repeats are dropped, and a gap is reported so the caller can fetch the missing events.
 */
import type { RunEvent } from '../../shared/events.ts';
import { applyEvent, initialRunState, type RunState, type StepState } from '../../shared/run-state.ts';

export interface MergeResult {
  state: RunState;
  /** An event arrived whose predecessors are missing: fetch events after `state.lastSeq`. */
  gap: boolean;
}

/** The step an event concerns, when it concerns one. */
function eventNodeId(event: RunEvent): string | undefined {
  return 'nodeId' in event && event.type.startsWith('step.') ? event.nodeId : undefined;
}

/**
 * Makes the draft's entry for the event's step its own copy before `applyEvent` changes it in
 * place: a step object of the previous state is never mutated, and is copied at most once per batch.
 */
function ownStep(draft: RunState, base: RunState, event: RunEvent): void {
  const nodeId = eventNodeId(event);
  if (nodeId === undefined || !Object.hasOwn(draft.steps, nodeId)) return;
  const step = draft.steps[nodeId]!;
  const old: StepState | undefined = Object.hasOwn(base.steps, nodeId) ? base.steps[nodeId] : undefined;
  if (step === old) draft.steps[nodeId] = { ...step, logs: event.type === 'step.log' ? [...step.logs] : step.logs };
  else if (event.type === 'step.log' && old !== undefined && step.logs === old.logs) step.logs = [...step.logs];
}

/**
 * Applies a batch of events. The result is a new state (sharing every step no event touched) when
 * any event applied, else `state` itself; `state` and its steps are never changed. The steps
 * record is copied once per batch, not once per event, so a frame's worth of events in a large
 * run costs one copy.
 */
export function mergeEvents(state: RunState, events: readonly RunEvent[]): MergeResult {
  let draft: RunState | undefined;
  let gap = false;
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    const current = draft ?? state;
    if (event.runId !== current.runId) continue;
    if (event.seq <= current.lastSeq) continue;
    if (event.seq !== current.lastSeq + 1) {
      gap = true;
      continue;
    }
    draft ??= { ...state, steps: { ...state.steps } };
    if (event.type === 'run.started') draft.steps = {};
    else ownStep(draft, state, event);
    applyEvent(draft, event);
  }
  return { state: draft ?? state, gap };
}

export function emptyRun(runId: string): RunState {
  return initialRunState(runId);
}

export function isActive(state: Pick<RunState, 'status'> | null | undefined): boolean {
  return state?.status === 'running' || state?.status === 'waiting';
}
