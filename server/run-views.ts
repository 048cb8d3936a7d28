/** Views of run states: the index record of a run, and the steps waiting for a person. */
import { waitsForPerson } from '../shared/kinds/registry.ts';
import type { RunState } from '../shared/run-state.ts';
import type { RunIndexEntry } from './store/run-index.ts';
import type { RunOrderView } from './store/runs-storage.ts';
import type { RunListAnswer } from '../shared/wire/rest-answers.ts';
import { RUN_CURSOR, RUN_PAGE_DEFAULT, type RunsQuery } from '../shared/wire/rest-requests.ts';

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
 * A page of the history list, newest first: top-level runs, each with how many child runs it
 * started, and the child runs left out (counted); or, for `parentRunId`, that run's child runs. A
 * flow's list (`flowId`) holds all of that flow's runs, its child runs too, since a flow used only
 * as a child has no others. It reads the index's kept order, so a page costs the runs it passes
 * over (those filtered out included), never a sort of every run kept.
 */
export function runHistory(order: RunOrderView, query: RunsQuery): RunListAnswer {
  const limit = query.limit ?? RUN_PAGE_DEFAULT;
  const entries = order.entries;
  const cursor = query.before === undefined ? undefined : RUN_CURSOR.exec(query.before);
  const since = query.since === undefined ? undefined : new Date(query.since).toISOString();
  const topLevel = query.parentRunId === undefined && query.flowId === undefined;
  const runs: RunListAnswer['runs'] = [];
  let next: string | undefined;
  // Oldest first in the index: the newest is last, so the walk goes down from the end (or the cursor).
  for (let at = (cursor ? order.countOlder(cursor[1]!, cursor[2]!) : entries.length) - 1; at >= 0; at -= 1) {
    const entry = entries[at]!;
    if (since !== undefined && entry.startedAt < since) break;
    if (topLevel ? entry.parentRunId !== undefined : query.parentRunId !== undefined && entry.parentRunId !== query.parentRunId) continue;
    if ((query.flowId !== undefined && entry.flowId !== query.flowId) || (query.status !== undefined && entry.status !== query.status)) continue;
    if (runs.length === limit) {
      const last = runs[runs.length - 1]!;
      next = `${last.startedAt}_${last.runId}`;
      break;
    }
    const children = order.childCount(entry.runId);
    runs.push(children > 0 ? { ...entry, childCount: children } : entry);
  }
  const hidden = topLevel ? order.childRuns : 0;
  return { runs, ...(hidden > 0 ? { childRunsHidden: hidden } : {}), ...(next !== undefined ? { next } : {}) };
}
