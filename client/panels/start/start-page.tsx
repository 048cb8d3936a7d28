/**
 * What the designer shows when no flow is open: the saved flows (the examples among them), the
 * latest runs of every flow, and the steps waiting for a person. Each opens where it belongs.
 */
import { useEffect } from 'react';
import { formatWhen, shortRunId } from '../../lib/format.ts';
import { useApprovals } from '../../state/approvals-store.ts';
import { newFlow, openFlow } from '../../state/flow-actions.ts';
import { useLibrary } from '../../state/library-store.ts';
import { useRun } from '../../state/run-store.ts';
import { useUi } from '../../state/ui-store.ts';
import { RunList } from '../history/run-list.tsx';

function openRun(runId: string): void {
  useUi.getState().showStartPage(false);
  useRun.getState().watch(runId);
}

function FlowCards() {
  const flows = useLibrary((state) => state.flows);
  const error = useLibrary((state) => state.flowsError);
  return (
    <section className="start-section" aria-label="Flows">
      <div className="row between">
        <h2 className="start-heading">Flows</h2>
        <button type="button" className="btn btn-primary" onClick={newFlow} data-testid="new-flow-button">
          + New flow
        </button>
      </div>
      {error ? <div className="error-text small">{error}</div> : null}
      {flows.length === 0 && !error ? <div className="muted">No saved flows yet: start a new one.</div> : null}
      <div className="start-cards">
        {flows.map((flow) => (
          <button key={flow.id} type="button" className="start-card" onClick={() => void openFlow(flow.id)} data-testid={`start-flow-${flow.id}`}>
            <span className="start-card-title">{flow.name ?? flow.id}</span>
            <span className="start-card-text">{flow.description ?? ''}</span>
            <span className="muted small mono">
              {flow.id}
              {flow.nodeCount !== undefined ? ` · ${flow.nodeCount} steps` : ''}
              {flow.valid === false ? ' · has problems' : ''}
            </span>
          </button>
        ))}
      </div>
    </section>
  );
}

function WaitingForYou() {
  const items = useApprovals((state) => state.items);
  return (
    <section className="start-section" aria-label="Waiting for you" data-testid="start-waiting">
      <h2 className="start-heading">Waiting for you {items.length > 0 ? <span className="count count-warn">{items.length}</span> : null}</h2>
      {items.length === 0 ? <div className="muted small">Nothing is waiting for a decision.</div> : null}
      <ul className="list">
        {items.map((item) => (
          <li key={`${item.runId}/${item.nodeId}`} className="list-item">
            <button
              type="button"
              className="list-main"
              onClick={() => {
                openRun(item.runId);
                useUi.getState().reviewApproval(item.runId, item.nodeId);
              }}
              data-testid={`start-waiting-${item.runId}-${item.nodeId}`}
            >
              <span className="list-title">{item.request.title}</span>
              <span className="list-sub">
                {item.flowName ?? item.flowId} · step <span className="mono">{item.nodeId}</span> · run <span className="mono">{shortRunId(item.runId)}</span>
                {item.since ? ` · since ${formatWhen(item.since)}` : ''}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function StartPage() {
  const refresh = useLibrary((state) => state.refreshFlows);
  useEffect(() => void refresh(), [refresh]);
  return (
    <div className="start-page" data-testid="start-page">
      <div className="start-column">
        <FlowCards />
        <WaitingForYou />
      </div>
      <div className="start-column">
        <section className="start-section" aria-label="Recent runs">
          <h2 className="start-heading">Recent runs</h2>
          <RunList limit={8} onOpen={openRun} testId="start-runs" />
        </section>
      </div>
    </div>
  );
}
