/** What the top bar, the flows list and the shortcuts do with flows: open, new, save, delete, import, export. */
import { serializeFlow } from '../../shared/canonical.ts';
import type { Flow } from '../../shared/flow.ts';
import { api } from '../api/api-client.ts';
import { ApiError, errorWithIssues } from '../api/http.ts';
import { documentStore } from './document.ts';
import { isDirty } from './document-store.ts';
import { emptyFlow } from './flow-edits.ts';
import { openableFlow, openableFlowText } from './flow-loading.ts';
import { useLibrary } from './library-store.ts';
import { freeId } from './node-ids.ts';
import { useRun } from './run-store.ts';
import { errorText, useUi, type TrailStep } from './ui-store.ts';
import { writeUrlState } from './url-state.ts';

/** The name of a new flow until the person names it; Save asks for a name while it has this one. */
export const UNTITLED_NAME = 'Untitled flow';

/** Runs `action` now, or after the person agrees to drop unsaved changes. */
export function guardUnsaved(action: () => void, verb = 'continue'): void {
  const state = documentStore.getState();
  const untouchedNew = state.savedText === null && state.flow.nodes.length === 0 && state.past.length === 0;
  if (!isDirty(state) || untouchedNew) {
    action();
    return;
  }
  useUi.getState().openDialog({
    type: 'confirm',
    title: 'Discard unsaved changes?',
    message: `"${state.flow.name}" has changes that are not saved. Discard them and ${verb}?`,
    confirmLabel: 'Discard changes',
    danger: true,
    onConfirm: action,
  });
}

function describeApiError(error: unknown): string {
  if (error instanceof ApiError) return errorWithIssues(error);
  return errorText(error);
}

function show(flow: Flow, saved: boolean, trail: TrailStep[] = []): void {
  useRun.getState().close();
  useUi.getState().showStartPage(false);
  useUi.getState().setTrail(trail);
  documentStore.getState().load(flow, { saved });
  writeUrlState({ flow: saved ? flow.id : undefined });
}

/** Opens a saved flow; `trail` is the way in when it is opened from a parent's node (child-navigation.ts). */
export async function openFlow(id: string, trail: TrailStep[] = []): Promise<void> {
  try {
    const result = openableFlow(await api.getFlow(id));
    if (!result.ok) {
      useUi.getState().openDialog({ type: 'import-problems', fileName: `${id}.flow.json`, problems: result.problems });
      return;
    }
    show(result.flow, true, trail);
  } catch (error) {
    useUi.getState().notify(`Could not open ${id}: ${describeApiError(error)}`, 'error');
  }
}

export function newFlow(): void {
  guardUnsaved(() => {
    const taken = useLibrary.getState().flows.map((flow) => flow.id);
    show(emptyFlow(freeId('untitled', taken), UNTITLED_NAME), false);
    useUi.getState().setRightTab('inspect');
  }, 'start a new flow');
}

async function writeFlow(flow: Flow, previousId: string | null): Promise<void> {
  const ui = useUi.getState();
  try {
    const answer = await api.saveFlow(flow);
    if (previousId && previousId !== flow.id) await api.deleteFlow(previousId).catch(() => undefined);
    documentStore.getState().markSaved(flow);
    writeUrlState({ flow: flow.id });
    // A draft with problems is kept as it is; only running it waits for them to be fixed.
    const problems = draftProblemCount(answer);
    if (problems > 0) ui.notify(`Saved a draft as flows/${flow.id}.flow.json: ${problems} problem${problems === 1 ? '' : 's'} to fix before it can run`, 'info');
    else ui.notify(`Saved flows/${flow.id}.flow.json`, 'success');
    void useLibrary.getState().refreshFlows();
  } catch (error) {
    ui.notify(`Not saved: ${describeApiError(error)}`, 'error');
  }
}

function draftProblemCount(answer: unknown): number {
  const problems = answer && typeof answer === 'object' ? (answer as { problems?: unknown }).problems : undefined;
  return Array.isArray(problems) ? problems.length : 0;
}

export async function saveFlow(): Promise<void> {
  const { flow, savedId } = documentStore.getState();
  if (savedId === null && flow.name === UNTITLED_NAME) {
    useUi.getState().openDialog({ type: 'rename', save: true });
    return;
  }
  const clash = savedId !== flow.id && useLibrary.getState().flows.some((entry) => entry.id === flow.id);
  if (!clash) return writeFlow(flow, savedId);
  useUi.getState().openDialog({
    type: 'confirm',
    title: 'Replace the saved flow?',
    message: `A flow with the id "${flow.id}" is already saved. Saving replaces flows/${flow.id}.flow.json.`,
    confirmLabel: 'Replace it',
    danger: true,
    onConfirm: () => void writeFlow(flow, savedId),
  });
}

export function deleteFlow(id: string): void {
  useUi.getState().openDialog({
    type: 'confirm',
    title: `Delete ${id}?`,
    message: `This removes flows/${id}.flow.json from the server. Past runs keep their own copy.`,
    confirmLabel: 'Delete flow',
    danger: true,
    onConfirm: async () => {
      try {
        await api.deleteFlow(id);
        useUi.getState().notify(`Deleted ${id}`, 'success');
        const state = documentStore.getState();
        if (state.savedId === id) documentStore.setState({ savedId: null, savedText: null });
        void useLibrary.getState().refreshFlows();
      } catch (error) {
        useUi.getState().notify(`Not deleted: ${describeApiError(error)}`, 'error');
      }
    },
  });
}

export function exportFlow(): void {
  const { flow } = documentStore.getState();
  const blob = new Blob([serializeFlow(flow)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `${flow.id}.flow.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export async function importFlowFile(file: File): Promise<void> {
  const result = openableFlowText(await file.text());
  const ui = useUi.getState();
  if (!result.ok) {
    ui.openDialog({ type: 'import-problems', fileName: file.name, problems: result.problems });
    return;
  }
  guardUnsaved(() => {
    show(result.flow, false);
    const problems = result.problemCount === 0 ? '' : ` with ${result.problemCount} problem${result.problemCount === 1 ? '' : 's'} to fix`;
    ui.notify(`Imported ${file.name}${problems}. Save to keep it.`, result.problemCount === 0 ? 'success' : 'info');
  }, 'import this file');
}
