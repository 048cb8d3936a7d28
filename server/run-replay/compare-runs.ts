/** What changed between a run and its replay or what-if: outputs, status, and cost step by step. */
import { jsonEqual } from '../../shared/case-matchers.ts';
import type { RunEvent } from '../../shared/events.ts';

export interface StepCostDelta {
  nodeId: string;
  originalUsd: number;
  newUsd: number;
  deltaUsd: number;
}

export interface RunComparison {
  runId: string;
  originalRunId: string;
  status: string;
  originalStatus: string;
  /** True when both runs ended the same way with deep-equal outputs. */
  identical: boolean;
  outputs: { original: Record<string, unknown>; new: Record<string, unknown>; changedFields: string[] };
  cost: { originalUsd: number; newUsd: number; deltaUsd: number; steps: StepCostDelta[] };
  /** Model steps answered from the original run's log, at $0. */
  reused: string[];
}

interface Summary {
  status: string;
  outputs: Record<string, unknown>;
  stepCosts: Map<string, number>;
}

function summarise(events: readonly RunEvent[]): Summary {
  const stepCosts = new Map<string, number>();
  let status = 'running';
  let outputs: Record<string, unknown> = {};
  for (const event of events) {
    if (event.type === 'step.cost' && event.final) stepCosts.set(event.nodeId, (stepCosts.get(event.nodeId) ?? 0) + (event.usd ?? 0));
    if (event.type === 'step.waiting') status = 'waiting';
    if (event.type === 'step.decided') status = 'running';
    if (event.type === 'run.succeeded') {
      status = 'succeeded';
      outputs = event.outputs;
    }
    if (event.type === 'run.failed') status = 'failed';
    if (event.type === 'run.cancelled') status = 'cancelled';
  }
  return { status, outputs, stepCosts };
}

export function compareRuns(original: readonly RunEvent[], replayed: readonly RunEvent[], reused: readonly string[]): RunComparison {
  const before = summarise(original);
  const after = summarise(replayed);
  const fields = [...new Set([...Object.keys(before.outputs), ...Object.keys(after.outputs)])];
  const changedFields = fields.filter((field) => !jsonEqual(before.outputs[field], after.outputs[field]));
  const nodes = [...new Set([...before.stepCosts.keys(), ...after.stepCosts.keys()])].sort();
  const steps = nodes.map((nodeId) => {
    const originalUsd = before.stepCosts.get(nodeId) ?? 0;
    const newUsd = after.stepCosts.get(nodeId) ?? 0;
    return { nodeId, originalUsd, newUsd, deltaUsd: newUsd - originalUsd };
  });
  const originalUsd = steps.reduce((sum, step) => sum + step.originalUsd, 0);
  const newUsd = steps.reduce((sum, step) => sum + step.newUsd, 0);
  return {
    runId: replayed[0]?.runId ?? '',
    originalRunId: original[0]?.runId ?? '',
    status: after.status,
    originalStatus: before.status,
    identical: before.status === after.status && changedFields.length === 0,
    outputs: { original: before.outputs, new: after.outputs, changedFields },
    cost: { originalUsd, newUsd, deltaUsd: newUsd - originalUsd, steps },
    reused: [...reused].sort(),
  };
}
