/**
 * Runs of every flow (`GET /api/runs`), filtered by flow, status and date; opening one rebuilds it
 * from its events onto the canvas. The open run gets "Run again with these inputs", a comparison
 * with another run, its timeline and its trace.
 */
import { useState } from 'react';
import type { RunSummary } from '../../api/api-schemas.ts';
import { shortRunId } from '../../lib/format.ts';
import { stepOrder } from '../../lib/step-order.ts';
import { runAgain } from '../../state/run-actions.ts';
import { useRun } from '../../state/run-store.ts';
import { useUi } from '../../state/ui-store.ts';
import { RunList } from './run-list.tsx';
import { RunTimeline } from './run-timeline.tsx';
import { StepTrace } from './step-trace.tsx';
import { useRunEvents } from './use-run-events.ts';

function OpenRun({ others }: { others: RunSummary[] }) {
  const run = useRun((state) => state.run);
  const runId = useRun((state) => state.runId);
  const { events } = useRunEvents(runId);
  if (!run || !runId || run.lastSeq === 0) return null;
  const order = stepOrder(run);
  const labels = new Map(run.flow?.nodes.map((node) => [node.id, node.label]) ?? []);
  const kinds = new Map(run.flow?.nodes.map((node) => [node.id, node.kind]) ?? []);
  const candidates = others.filter((other) => other.runId !== runId);
  return (
    <div className="trace" data-testid="run-trace">
      <div className="row gap-8 wrap">
        <button type="button" className="btn btn-small" disabled={!run.flow} onClick={() => run.flow && void runAgain(run.flow, run.inputs)} data-testid="run-again">
          Run again with these inputs
        </button>
        <select
          className="input input-small"
          value=""
          aria-label="Compare with another run"
          disabled={candidates.length === 0}
          onChange={(event) => event.target.value && useUi.getState().openDialog({ type: 'compare-runs', left: runId, right: event.target.value })}
          data-testid="compare-with"
        >
          <option value="">Compare with…</option>
          {candidates.map((other) => (
            <option key={other.runId} value={other.runId}>
              {shortRunId(other.runId)} · {other.flowName ?? other.flowId} · {other.status}
            </option>
          ))}
        </select>
      </div>
      <div className="section-title">Timeline</div>
      {events ? <RunTimeline events={events} labels={labels} /> : <div className="muted small">Reading the run…</div>}
      <div className="section-title">Trace</div>
      {order.map((nodeId) => {
        const step = run.steps[nodeId];
        return step ? <StepTrace key={nodeId} step={step} label={labels.get(nodeId)} kind={kinds.get(nodeId)} /> : null;
      })}
    </div>
  );
}

export function HistoryPanel() {
  const [shown, setShown] = useState<RunSummary[]>([]);
  return (
    <div className="panel-body" data-testid="history-panel">
      <div className="section-title">Runs</div>
      <RunList filterable onOpen={(runId) => useRun.getState().watch(runId)} onRuns={setShown} testId="history-runs" />
      <OpenRun others={shown} />
    </div>
  );
}
