/**
 * Opening what a node calls (double-click on the canvas): while editing, the child flow in the
 * designer; while a run is shown, the child run its step started (a map's step: the list of its
 * item runs). Each keeps the way back as a trail of parents (the breadcrumb over the canvas).
 */
import { registry } from '../../shared/kinds/registry.ts';
import type { RunState } from '../../shared/run-state.ts';
import { documentStore } from './document.ts';
import { guardUnsaved, openFlow } from './flow-actions.ts';
import { useRun } from './run-store.ts';
import { useUi, type TrailStep } from './ui-store.ts';

/** The flow a node calls, as its kind declares (`calls`), or undefined for a node that calls none. */
export function calledFlowOf(node: { kind: string; config: unknown }): string | undefined {
  const definition = registry.get(node.kind);
  if (!definition?.calls) return undefined;
  const config = definition.configSchema.safeParse(node.config);
  return config.success ? definition.calls(config.data as never)[0] : undefined;
}

/** Opens the flow `node` calls in the designer, the open flow becoming the breadcrumb's parent. */
export function openChildFlow(node: { kind: string; config: unknown }): void {
  const childId = calledFlowOf(node);
  if (!childId) return;
  const { flow, savedId } = documentStore.getState();
  const { trail } = useUi.getState();
  // An unsaved new flow cannot be opened again: the way back starts at the child then.
  const back: TrailStep[] = savedId ? [...trail, { type: 'flow', flowId: savedId, name: flow.name }] : [];
  guardUnsaved(() => void openFlow(childId, back), `open ${childId}`);
}

/** Shows a child run on the canvas, the run shown now becoming the breadcrumb's parent. */
export function openChildRun(childRunId: string): void {
  const { runId, run } = useRun.getState();
  const { trail, closeDialog } = useUi.getState();
  const back: TrailStep[] = runId ? [...trail, { type: 'run', runId, flowId: run?.flowId ?? '' }] : trail;
  closeDialog();
  useRun.getState().watch(childRunId);
  useUi.getState().setTrail(back);
}

/** What double-clicking a step of a run opens: nothing yet, its one child run, or the list of its item runs. */
export type StepChildren = { type: 'none'; reason: string } | { type: 'run'; runId: string } | { type: 'items'; count: number };

/** A step over items (a map) reports progress and numbers its children; any other calling step has one child. */
export function stepChildren(run: RunState | null, nodeId: string): StepChildren {
  const step = run && Object.hasOwn(run.steps, nodeId) ? run.steps[nodeId] : undefined;
  const children = step?.children ?? [];
  if (step?.progress !== undefined || children.some((child) => child.itemIndex !== undefined)) return { type: 'items', count: children.length };
  if (children.length === 0) return { type: 'none', reason: `Step ${nodeId} has not started a child run${!step || step.status === 'pending' ? ' yet' : ''}.` };
  return { type: 'run', runId: children[0]!.runId };
}

/** Opens what a step of the run on the canvas started (see `stepChildren`). */
export function openStepChildren(nodeId: string): void {
  const { run } = useRun.getState();
  const target = stepChildren(run, nodeId);
  if (target.type === 'none') useUi.getState().notify(target.reason, 'info');
  else if (target.type === 'items') useUi.getState().openDialog({ type: 'item-runs', runId: run!.runId, nodeId });
  else openChildRun(target.runId);
}

/** Shows the run that started the run on the canvas (a child run opened by its address or from history). */
export function openParentRun(parentRunId: string): void {
  useRun.getState().watch(parentRunId);
}

/** Goes back to step `index` of the trail: reopens that flow, or shows that run again. */
export function goBackTo(index: number): void {
  const { trail } = useUi.getState();
  const step = trail[index];
  if (!step) return;
  const before = trail.slice(0, index);
  if (step.type === 'flow') {
    guardUnsaved(() => void openFlow(step.flowId, before), `go back to ${step.flowId}`);
    return;
  }
  useRun.getState().watch(step.runId);
  useUi.getState().setTrail(before);
}
