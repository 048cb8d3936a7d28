/** Views of run states: the index record of a run, and the steps waiting for a person. */
import { waitsForPerson } from '../shared/kinds/registry.ts';
import type { RunState } from '../shared/run-state.ts';
import type { RunIndexEntry } from './store/run-index.ts';

export interface PendingApproval {
  runId: string;
  flowId: string;
  flowName: string;
  nodeId: string;
  label?: string;
  /** What the step asks, in the shape its kind declares (an approval's: shared/kinds/approval.ts). */
  request: unknown;
  since?: string;
  parent?: { runId: string; flowId: string; flowName: string; nodeId: string; itemIndex?: number };
  topRunId?: string;
}

/** Where a child run sits: its parent run and step, and the top-level run (runs it cannot find are left out). */
function lineageOf(state: RunState, stateOf: (runId: string) => RunState | undefined): Pick<PendingApproval, 'parent' | 'topRunId'> {
  if (!state.parent) return {};
  const parentState = stateOf(state.parent.runId);
  let top = state.parent.runId;
  const seen = new Set([state.runId]);
  for (let above = parentState; above?.parent && !seen.has(above.runId); above = stateOf(above.parent.runId)) {
    seen.add(above.runId);
    top = above.parent.runId;
  }
  const { runId, nodeId, itemIndex } = state.parent;
  const flowId = parentState?.flowId ?? '';
  return { parent: { runId, flowId, flowName: parentState?.flow?.name ?? flowId, nodeId, ...(itemIndex !== undefined ? { itemIndex } : {}) }, topRunId: top };
}

/** `stateOf`: other runs' states, to name a child run's parent and top-level run. */
export function pendingApprovals(states: Iterable<RunState>, stateOf: (runId: string) => RunState | undefined = () => undefined): PendingApproval[] {
  const approvals: PendingApproval[] = [];
  for (const state of states) {
    for (const step of Object.values(state.steps)) {
      if (step.status !== 'waiting' || step.request === undefined) continue;
      const node = state.flow?.nodes.find((candidate) => candidate.id === step.nodeId);
      // Only waits a person answers: a wait for a webhook or a child run is not in the inbox.
      if (!node || !waitsForPerson(node.kind)) continue;
      const label = node.label;
      approvals.push({
        runId: state.runId,
        flowId: state.flowId,
        flowName: state.flow?.name ?? state.flowId,
        nodeId: step.nodeId,
        ...(label !== undefined ? { label } : {}),
        request: step.request,
        ...(step.startedAt !== undefined ? { since: step.startedAt } : {}),
        ...lineageOf(state, stateOf),
      });
    }
  }
  return approvals.sort((a, b) => ((a.since ?? '') < (b.since ?? '') ? -1 : 1));
}

/** Longest `inputsPreview` in the run index: enough to tell runs apart in a list. */
export const INPUTS_PREVIEW_CHARS = 120;

/** The inputs as compact JSON, cut at `INPUTS_PREVIEW_CHARS` (long strings are cut before stringifying). */
export function inputsPreview(inputs: Record<string, unknown>): string {
  const short = Object.fromEntries(Object.entries(inputs).map(([key, value]) => [key, typeof value === 'string' && value.length > INPUTS_PREVIEW_CHARS ? value.slice(0, INPUTS_PREVIEW_CHARS) : value]));
  const text = JSON.stringify(short) ?? '';
  return text.length > INPUTS_PREVIEW_CHARS ? `${text.slice(0, INPUTS_PREVIEW_CHARS - 1)}…` : text;
}

export function indexEntry(state: RunState): RunIndexEntry {
  const durationMs = state.endedAt !== undefined ? Date.parse(state.endedAt) - Date.parse(state.startedAt) : NaN;
  return {
    runId: state.runId,
    flowId: state.flowId,
    flowName: state.flow?.name ?? state.flowId,
    flowHash: state.flowHash,
    status: state.status,
    startedAt: state.startedAt,
    ...(state.endedAt !== undefined ? { endedAt: state.endedAt } : {}),
    costUsd: state.costUsd,
    ...(Number.isFinite(durationMs) && durationMs >= 0 ? { durationMs } : {}),
    inputsPreview: inputsPreview(state.inputs),
    ...(state.origin ? { origin: state.origin } : {}),
    ...(state.parent ? { parentRunId: state.parent.runId } : {}),
  };
}

/**
 * The history list: top-level runs, each with how many child runs it started, the child runs left
 * out (counted); or, for `parentRunId`, that run's child runs. A flow's list (`flowId`) holds all
 * of that flow's runs, its child runs too, since a flow used only as a child has no others.
 */
export function runHistory(entries: readonly RunIndexEntry[], query: { flowId?: string; parentRunId?: string }): { runs: Array<RunIndexEntry & { childCount?: number }>; childRunsHidden?: number } {
  if (query.parentRunId !== undefined) return { runs: entries.filter((entry) => entry.parentRunId === query.parentRunId && (query.flowId === undefined || entry.flowId === query.flowId)) };
  const childCounts = new Map<string, number>();
  for (const entry of entries) if (entry.parentRunId !== undefined) childCounts.set(entry.parentRunId, (childCounts.get(entry.parentRunId) ?? 0) + 1);
  const counted = (entry: RunIndexEntry) => (childCounts.has(entry.runId) ? { ...entry, childCount: childCounts.get(entry.runId)! } : entry);
  if (query.flowId !== undefined) return { runs: entries.filter((entry) => entry.flowId === query.flowId).map(counted) };
  const top = entries.filter((entry) => entry.parentRunId === undefined);
  const hidden = entries.length - top.length;
  return { runs: top.map(counted), ...(hidden > 0 ? { childRunsHidden: hidden } : {}) };
}
