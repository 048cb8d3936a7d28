/**
 * What a run's model steps cost, read from its event log: one record per step attempt, its latest
 * `step.cost` figure (the final one once the attempt settled), stamped with that event's time.
 * Spend caps (server/spend) and the cost view add these up; nothing else keeps a tally.
 */
import type { RunEvent } from './events.ts';

export interface CostRecord {
  runId: string;
  flowId: string;
  nodeId: string;
  attempt: number;
  model: string;
  /** When the figure was recorded (the `step.cost` event's time). */
  at: string;
  inputTokens: number;
  cachedInputTokens: number;
  /** What the cached prompt tokens saved (0 when none were cached or the model is unpriced). */
  cachedSavingUsd: number;
  outputTokens: number;
  /** null: the model has no known price. */
  usd: number | null;
  simulated: boolean;
}

/** The cost records of one run's events (in log order). */
export function costRecordsOf(events: readonly RunEvent[]): CostRecord[] {
  let flowId = '';
  const attempts = new Map<string, number>();
  const records = new Map<string, CostRecord>();
  for (const event of events) {
    if (event.type === 'run.started') flowId = event.flowId;
    else if (event.type === 'step.started') attempts.set(event.nodeId, event.attempt);
    else if (event.type === 'step.cost') {
      const attempt = attempts.get(event.nodeId) ?? 1;
      records.set(`${event.nodeId}\u0000${attempt}`, {
        runId: event.runId,
        flowId,
        nodeId: event.nodeId,
        attempt,
        model: event.model,
        at: event.at,
        inputTokens: event.inputTokens,
        cachedInputTokens: event.cachedInputTokens ?? 0,
        cachedSavingUsd: event.cachedSavingUsd ?? 0,
        outputTokens: event.outputTokens,
        usd: event.usd,
        simulated: event.simulated,
      });
    }
  }
  return [...records.values()];
}
