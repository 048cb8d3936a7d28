/** The Run tab: before a run, the estimate; during and after, status, cost against budget, steps and result. */
import { memo } from 'react';
import type { RunState, StepState } from '../../../shared/run-state.ts';
import { formatDuration, formatUsd, prettyJson, RUN_LABELS, shortRunId, stepLabel } from '../../lib/format.ts';
import { useDocument } from '../../state/document.ts';
import { cancelRun } from '../../state/run-actions.ts';
import { isActive } from '../../state/run-tracker.ts';
import { useRun } from '../../state/run-store.ts';
import { useUi } from '../../state/ui-store.ts';
import { stepOrder } from '../../lib/step-order.ts';
import { CostBar } from './cost-bar.tsx';
import { EstimateView } from './estimate-view.tsx';
import { RunWhatIf } from './run-what-if.tsx';
import { SaveAsCase } from './save-as-case.tsx';

/**
 * One step's row; re-rendered only when its step changes (a run event touches one or two steps).
 * Rows are boxes of their own, not table rows, so the browser lays out only those on screen
 * (`content-visibility: auto` in styles.css): a run of 2,000 steps changing a few rows a frame no
 * longer lays out all 2,000 rows each frame, as a table's rows would be.
 */
const StepRow = memo(function StepRow({ step, runEnded, focus }: { step: StepState; runEnded: boolean; focus: (nodeId: string) => void }) {
  return (
    <div className="step-row clickable" role="row" onClick={() => focus(step.nodeId)} data-testid={`run-step-${step.nodeId}`}>
      <span className="mono step-id" role="cell">{step.nodeId}</span>
      <span role="cell">
        <span className={`pill pill-${step.status}`}>{stepLabel(step.status, runEnded)}</span>
        {step.status === 'running' && step.queued === true ? <span className="tag">queued</span> : null}
        {step.reusedFrom !== undefined ? <span className="tag tag-reused" title={`Taken at $0 from run ${step.reusedFrom}`} data-testid={`run-step-reused-${step.nodeId}`}>reused</span> : null}
      </span>
      <span className="num muted" role="cell">{formatDuration(step.durationMs)}</span>
      <span className="num" role="cell">{step.inputTokens + step.outputTokens > 0 || step.costUsd === null ? formatUsd(step.costUsd) : ''}</span>
    </div>
  );
});

function StepsTable({ run }: { run: RunState }) {
  const order = stepOrder(run);
  const focus = useUi((state) => state.focusStep);
  const runEnded = run.endedAt !== undefined;
  return (
    <div className="steps-table" role="table" data-testid="run-steps">
      {order.map((nodeId) => {
        const step = run.steps[nodeId];
        return step ? <StepRow key={nodeId} step={step} runEnded={runEnded} focus={focus} /> : null;
      })}
    </div>
  );
}

export function RunPanel() {
  const run = useRun((state) => state.run);
  const runId = useRun((state) => state.runId);
  const error = useRun((state) => state.error);
  const flow = useDocument((state) => state.flow);
  const openDialog = useUi((state) => state.openDialog);

  if (!runId || !run) {
    return (
      <div className="panel-body">
        <EstimateView flow={flow} />
        <button type="button" className="btn btn-primary btn-block" onClick={() => openDialog({ type: 'run-inputs' })}>
          Run this flow…
        </button>
      </div>
    );
  }
  const budget = run.flow?.settings?.budgetUsd;
  const active = isActive(run) && run.lastSeq > 0;
  return (
    <div className="panel-body" data-testid="run-panel">
      <div className="row between">
        <span className={`run-status run-status-${run.lastSeq ? run.status : 'loading'}`} data-testid="run-status">
          {run.lastSeq ? RUN_LABELS[run.status] : 'Loading…'}
        </span>
        {active ? (
          <button type="button" className="btn btn-small btn-danger" onClick={() => void cancelRun()} data-testid="cancel-run">
            Cancel run
          </button>
        ) : null}
      </div>
      {error ? <div className="error-text">{error}</div> : null}
      <div className="muted small">
        Run{' '}
        <span className="mono" title={runId} data-testid="run-panel-id">
          {shortRunId(runId)}
        </span>
      </div>
      <CostBar costUsd={run.costUsd} budgetUsd={budget} simulated={run.simulated} />
      {run.hasUnpriced ? <div className="warn-text small">Some model has no known price: the total is a lower bound.</div> : null}
      {run.error ? (
        <div className="callout callout-bad" data-testid="run-error">
          {run.error.nodeId ? <strong className="mono">{run.error.nodeId}: </strong> : null}
          {run.error.message}
        </div>
      ) : null}
      <div className="section-title">Steps</div>
      <StepsTable run={run} />
      {run.outputs ? (
        <>
          <div className="section-title">Result</div>
          <pre className="code-block" data-testid="run-outputs">
            {prettyJson(run.outputs)}
          </pre>
        </>
      ) : null}
      {run.endedAt && run.startedAt ? <div className="muted small">Took {formatDuration(Date.parse(run.endedAt) - Date.parse(run.startedAt))}</div> : null}
      {run.endedAt && run.flowId === flow.id ? <SaveAsCase run={run} /> : null}
      {run.endedAt && run.flow ? <RunWhatIf runId={runId} flow={run.flow} /> : null}
    </div>
  );
}
