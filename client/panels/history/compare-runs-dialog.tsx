/** Two runs side by side: inputs, outputs, status, time and cost, then each step's. Both states come from their logs through the shared reducer. */
import { useMemo } from 'react';
import { foldEvents, type RunState, type StepState } from '../../../shared/run-state.ts';
import { formatDuration, formatUsd, formatWhen, prettyJson, RUN_LABELS, shortRunId, stepLabel } from '../../lib/format.ts';
import { useUi } from '../../state/ui-store.ts';
import { Modal } from '../dialogs/modal.tsx';
import { useRunEvents } from './use-run-events.ts';

function useRunState(runId: string): RunState | null {
  const { events } = useRunEvents(runId);
  return useMemo(() => (events ? foldEvents(events, runId) : null), [events, runId]);
}

function runDuration(run: RunState): string {
  return run.endedAt ? formatDuration(Date.parse(run.endedAt) - Date.parse(run.startedAt)) : 'still going';
}

function stepFacts(step: StepState | undefined, runEnded: boolean): string {
  if (!step) return 'not in this run';
  const parts = [stepLabel(step.status, runEnded)];
  if (step.durationMs !== undefined) parts.push(formatDuration(step.durationMs));
  if (step.attempt > 1) parts.push(`${step.attempt} attempts`);
  if (step.inputTokens + step.outputTokens > 0) parts.push(`${(step.inputTokens + step.outputTokens).toLocaleString('en-US')} tokens`);
  if (step.costUsd === null) parts.push('unpriced');
  else if (step.costUsd > 0) parts.push(formatUsd(step.costUsd));
  return parts.join(' · ');
}

function Row({ label, left, right, mono = false, testId }: { label: string; left: string; right: string; mono?: boolean; testId?: string }) {
  const differs = left !== right;
  return (
    <tr className={differs ? 'compare-differs' : undefined} data-testid={testId}>
      <th>{label}</th>
      <td className={mono ? 'mono compare-value' : 'compare-value'}>{left}</td>
      <td className={mono ? 'mono compare-value' : 'compare-value'}>{right}</td>
    </tr>
  );
}

export function CompareRunsDialog({ left: leftId, right: rightId }: { left: string; right: string }) {
  const close = useUi((state) => state.closeDialog);
  const left = useRunState(leftId);
  const right = useRunState(rightId);
  const nodeIds = useMemo(() => {
    const ids = new Set<string>();
    for (const run of [left, right]) for (const node of run?.flow?.nodes ?? []) ids.add(node.id);
    return [...ids];
  }, [left, right]);
  return (
    <Modal title="Compare runs" onClose={close} testId="compare-runs" wide>
      {!left || !right ? (
        <div className="muted">Reading both runs…</div>
      ) : (
        <table className="table compare-table">
          <thead>
            <tr>
              <th />
              <th className="mono">{shortRunId(leftId)}</th>
              <th className="mono">{shortRunId(rightId)}</th>
            </tr>
          </thead>
          <tbody>
            <Row label="Flow" left={left.flow?.name ?? left.flowId} right={right.flow?.name ?? right.flowId} />
            <Row label="Started" left={formatWhen(left.startedAt)} right={formatWhen(right.startedAt)} />
            <Row label="Status" left={RUN_LABELS[left.status] ?? left.status} right={RUN_LABELS[right.status] ?? right.status} testId="compare-status" />
            <Row label="Duration" left={runDuration(left)} right={runDuration(right)} />
            <Row label="Cost" left={formatUsd(left.costUsd)} right={formatUsd(right.costUsd)} testId="compare-cost" />
            <Row label="Inputs" left={prettyJson(left.inputs)} right={prettyJson(right.inputs)} mono testId="compare-inputs" />
            <Row label="Outputs" left={left.outputs ? prettyJson(left.outputs) : '—'} right={right.outputs ? prettyJson(right.outputs) : '—'} mono testId="compare-outputs" />
            {nodeIds.map((nodeId) => (
              <Row key={nodeId} label={`Step ${nodeId}`} left={stepFacts(left.steps[nodeId], left.status !== 'running' && left.status !== 'waiting')} right={stepFacts(right.steps[nodeId], right.status !== 'running' && right.status !== 'waiting')} testId={`compare-step-${nodeId}`} />
            ))}
          </tbody>
        </table>
      )}
      <div className="dialog-actions">
        <button type="button" className="btn btn-primary" onClick={close}>
          Close
        </button>
      </div>
    </Modal>
  );
}
