/** Past runs of this flow (`GET /api/runs?flowId=`); opening one rebuilds it from its events onto the canvas, with its trace. */
import { useCallback, useEffect, useState } from 'react';
import { api } from '../../api/api-client.ts';
import type { RunSummary } from '../../api/api-schemas.ts';
import { formatUsd, RUN_LABELS } from '../../lib/format.ts';
import { useDocument } from '../../state/document.ts';
import { useRun } from '../../state/run-store.ts';
import { stepOrder } from '../../lib/step-order.ts';
import { StepTrace } from './step-trace.tsx';

function RunTrace() {
  const run = useRun((state) => state.run);
  if (!run || run.lastSeq === 0) return null;
  const order = stepOrder(run);
  const labels = new Map(run.flow?.nodes.map((node) => [node.id, node.label]) ?? []);
  const kinds = new Map(run.flow?.nodes.map((node) => [node.id, node.kind]) ?? []);
  return (
    <div className="trace" data-testid="run-trace">
      <div className="section-title">Trace</div>
      {order.map((nodeId) => {
        const step = run.steps[nodeId];
        return step ? <StepTrace key={nodeId} step={step} label={labels.get(nodeId)} kind={kinds.get(nodeId)} /> : null;
      })}
    </div>
  );
}

export function HistoryPanel() {
  const flowId = useDocument((state) => state.flow.id);
  const runId = useRun((state) => state.runId);
  const status = useRun((state) => state.run?.status);
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api.listRuns(flowId).then(
      (list) => {
        setRuns(list);
        setError(null);
      },
      (failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)),
    );
  }, [flowId]);
  useEffect(load, [load, runId, status]);

  return (
    <div className="panel-body" data-testid="history-panel">
      <div className="row between">
        <div className="section-title">Runs of {flowId}</div>
        <button type="button" className="btn btn-small" onClick={load}>
          Refresh
        </button>
      </div>
      {error ? <div className="error-text small">{error}</div> : null}
      {runs.length === 0 && !error ? <div className="muted small">No runs yet.</div> : null}
      <ul className="list">
        {runs.map((run) => (
          <li key={run.runId} className={`list-item${run.runId === runId ? ' active' : ''}`} data-testid={`history-run-${run.runId}`}>
            <button type="button" className="list-main" onClick={() => useRun.getState().watch(run.runId)}>
              <span className="row between">
                <span className={`pill pill-run-${run.status}`}>{RUN_LABELS[run.status] ?? run.status}</span>
                <span className="muted small">{run.costUsd === undefined ? '' : formatUsd(run.costUsd)}</span>
              </span>
              <span className="list-sub">
                {run.startedAt ? new Date(run.startedAt).toLocaleString() : ''} · <span className="mono">{run.runId.slice(0, 10)}</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
      <RunTrace />
    </div>
  );
}
