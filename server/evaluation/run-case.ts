/**
 * Runs one evaluation case in memory with the same engine and executors as `weft run`, and sums up
 * what its expectation can ask: status, outputs, fired ports, priced cost, duration, unsure.
 */
import { randomUUID } from 'node:crypto';
import type { CaseOutcome } from '../../shared/cases.ts';
import type { RunEvent } from '../../shared/events.ts';
import type { Flow } from '../../shared/flow.ts';
import { startRun, type EngineServices } from '../engine/index.ts';
import { executors } from '../executors/index.ts';

export interface CaseRun extends CaseOutcome {
  durationMs: number;
  /** True when a model step answered "unsure" (its `unsure` port fired). */
  unsure: boolean;
  events: RunEvent[];
}

/** The port a model fires when it is unsure (shared/kinds/model.ts, `allowUnsure`). */
const UNSURE_PORT = 'unsure';

export async function runCase(flow: Flow, inputs: Record<string, unknown>, services: EngineServices, now: () => number = Date.now): Promise<CaseRun> {
  const events: RunEvent[] = [];
  const started = now();
  const run = startRun(randomUUID(), flow, inputs, { executors, services, onEvent: (event) => events.push(event) });
  const status = await run.settled();
  if (status === 'waiting') {
    run.cancel('evaluation (a case cannot decide)');
    await run.settled();
  }
  const durationMs = now() - started;
  const fired: string[] = [];
  let costUsd: number | null = 0;
  let outputs: Record<string, unknown> = {};
  let error: string | undefined;
  for (const event of events) {
    if (event.type === 'step.succeeded') fired.push(...Object.keys(event.outputs).map((port) => `${event.nodeId}.${port}`));
    if (event.type === 'step.cost' && event.final) costUsd = costUsd === null || event.usd === null ? null : costUsd + event.usd;
    if (event.type === 'run.succeeded') outputs = event.outputs;
    if (event.type === 'run.failed') error = `${event.error.nodeId ? `${event.error.nodeId}: ` : ''}${event.error.message}`;
  }
  const unsure = fired.some((port) => port.endsWith(`.${UNSURE_PORT}`));
  return { status, outputs, fired, costUsd, durationMs, unsure, events, ...(error !== undefined ? { error } : {}) };
}
