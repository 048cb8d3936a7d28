/**
 * Crash-loop protection, decided from a run's log when the run is resumed. An attempt that has a
 * `step.started` but nothing after it for that step (no wait, decision or end) was cut off: the
 * whole server stopped while the step ran (or the store failed under it). Resuming runs such a
 * step again as its next attempt; but a step cut off twice is probably what stops the server
 * (a value that kills the process, say), so it is failed as quarantined instead of being run a
 * third time.
 */
import type { RunEvent, StepError } from '../shared/events.ts';
import type { RunState } from '../shared/run-state.ts';

/** Cut-off attempts of one step at which it is no longer run again. */
export const QUARANTINE_AFTER_CUT_OFFS = 2;
export const QUARANTINED_CODE = 'quarantined';

export interface QuarantinedStep {
  nodeId: string;
  /** The attempts that were cut off, oldest first. */
  attempts: number[];
  error: StepError;
}

/** Steps that are cut off at the end of the log and were cut off often enough before. */
export function findQuarantinedSteps(events: readonly RunEvent[], limit = QUARANTINE_AFTER_CUT_OFFS): QuarantinedStep[] {
  /** By node: the attempt running when the log says nothing more of it, and earlier cut-off attempts. */
  const open = new Map<string, number>();
  const cutOff = new Map<string, number[]>();
  for (const event of events) {
    if (!('nodeId' in event)) continue;
    const { nodeId } = event;
    switch (event.type) {
      case 'step.started': {
        const running = open.get(nodeId);
        if (running !== undefined) cutOff.set(nodeId, [...(cutOff.get(nodeId) ?? []), running]);
        open.set(nodeId, event.attempt);
        break;
      }
      case 'step.waiting':
      case 'step.decided':
      case 'step.succeeded':
      case 'step.failed':
      case 'step.skipped':
      case 'step.cancelled':
        open.delete(nodeId);
        break;
      default:
        break;
    }
  }
  const quarantined: QuarantinedStep[] = [];
  for (const [nodeId, running] of open) {
    const attempts = [...(cutOff.get(nodeId) ?? []), running];
    if (attempts.length < limit) continue;
    quarantined.push({
      nodeId,
      attempts,
      error: {
        code: QUARANTINED_CODE,
        message: `step "${nodeId}" was quarantined: the server stopped while it ran ${attempts.length} times (attempts ${attempts.join(', ')}), so it is not run again; it may be what stops the server`,
      },
    });
  }
  return quarantined;
}

/**
 * What ends a run with quarantined steps, after the events of `state`: each quarantined step
 * failed, every other step that was running or waiting cancelled, then the run failed with the
 * first quarantined step's error.
 */
export function quarantineEvents(state: RunState, quarantined: readonly QuarantinedStep[], at: string): RunEvent[] {
  const { runId } = state;
  let seq = state.lastSeq;
  const events: RunEvent[] = [];
  const names = new Set(quarantined.map((step) => step.nodeId));
  for (const step of quarantined) events.push({ runId, seq: ++seq, at, type: 'step.failed', nodeId: step.nodeId, error: step.error });
  for (const step of Object.values(state.steps)) {
    if ((step.status === 'running' || step.status === 'waiting') && !names.has(step.nodeId)) events.push({ runId, seq: ++seq, at, type: 'step.cancelled', nodeId: step.nodeId });
  }
  const first = quarantined[0]!;
  events.push({ runId, seq: ++seq, at, type: 'run.failed', error: { ...first.error, nodeId: first.nodeId }, costUsd: state.costUsd });
  return events;
}
