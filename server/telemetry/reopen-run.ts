/**
 * What of a run's log a tracer in a new process replays to rebuild the spans still open when the
 * old process stopped: `run.started`, and for each step attempt that had not ended its events
 * (prompt, cost, replies, and a wait not yet decided). Spans that ended before are not rebuilt:
 * they were exported then (or, after a hard kill before a flush, lost).
 */
import type { RunEvent } from '../../shared/events.ts';

type StepEvent = Extract<RunEvent, { nodeId: string }>;

/** The events to replay, in log order; empty when the log has no `run.started` or the run has ended. */
export function eventsToReopen(history: RunEvent[]): RunEvent[] {
  const started = history[0];
  if (started?.type !== 'run.started') return [];
  const open = new Map<string, StepEvent[]>();
  for (const event of history.slice(1)) {
    if (event.type.startsWith('run.')) return [];
    if (!('nodeId' in event)) continue;
    if (event.type === 'step.started') open.set(event.nodeId, [event]);
    else if (event.type === 'step.succeeded' || event.type === 'step.failed') open.delete(event.nodeId);
    else if (event.type === 'step.decided') open.set(event.nodeId, (open.get(event.nodeId) ?? []).filter((earlier) => earlier.type !== 'step.waiting'));
    else open.get(event.nodeId)?.push(event);
  }
  return [started, ...[...open.values()].flat().sort((a, b) => a.seq - b.seq)];
}
