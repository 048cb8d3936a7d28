/** Starting, cancelling and deciding runs. */
import type { Flow } from '../../shared/flow.ts';
import { api } from '../api/api-client.ts';
import { ApiError, errorWithIssues } from '../api/http.ts';
import { documentStore } from './document.ts';
import { isDirty } from './document-store.ts';
import { useApprovals } from './approvals-store.ts';
import { useRun } from './run-store.ts';
import { errorText, useUi } from './ui-store.ts';

function message(error: unknown): string {
  if (error instanceof ApiError) return errorWithIssues(error);
  return errorText(error);
}

/** Runs the saved flow when the editor matches it, otherwise the editor's unsaved document. */
export async function startRun(inputs: Record<string, unknown>): Promise<string | undefined> {
  const state = documentStore.getState();
  try {
    const { runId } = isDirty(state) ? await api.startRun(state.flow, inputs) : await api.startSavedRun(state.flow.id, inputs);
    useRun.getState().watch(runId);
    useUi.getState().setRightTab('run');
    return runId;
  } catch (error) {
    useUi.getState().notify(`Run not started: ${message(error)}`, 'error');
    return undefined;
  }
}

/** Starts a past run's flow (the copy pinned in that run) again with the same inputs, and shows it. */
export async function runAgain(flow: Flow, inputs: Record<string, unknown>): Promise<string | undefined> {
  try {
    const { runId } = await api.startRun(flow, inputs);
    useRun.getState().watch(runId);
    useUi.getState().setRightTab('run');
    return runId;
  } catch (error) {
    useUi.getState().notify(`Run not started: ${message(error)}`, 'error');
    return undefined;
  }
}

export async function cancelRun(): Promise<void> {
  const runId = useRun.getState().runId;
  if (!runId) return;
  try {
    await api.cancelRun(runId);
  } catch (error) {
    useUi.getState().notify(`Not cancelled: ${message(error)}`, 'error');
  }
}

export type DecisionBody = { decision: 'approve' | 'reject'; comment?: string; payload?: unknown };

/** Sends a decision; returns an error text to show beside the buttons, or null when accepted. */
export async function decide(runId: string, nodeId: string, body: DecisionBody): Promise<string | null> {
  try {
    await api.decide(runId, nodeId, body);
    useUi.getState().notify(body.decision === 'approve' ? `Approved step ${nodeId}` : `Rejected step ${nodeId}`, 'success');
    void useApprovals.getState().refresh();
    return null;
  } catch (error) {
    void useApprovals.getState().refresh();
    if (error instanceof ApiError && error.status === 409) return `Already decided: ${error.message}`;
    return message(error);
  }
}
