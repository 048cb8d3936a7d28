/** The saved flows (`GET /api/flows`): open one, start a new one, delete one. */
import { useEffect } from 'react';
import { useDocument } from '../state/document.ts';
import { deleteFlow, guardUnsaved, newFlow, openFlow } from '../state/flow-actions.ts';
import { useLibrary } from '../state/library-store.ts';

export function FlowsList() {
  const flows = useLibrary((state) => state.flows);
  const error = useLibrary((state) => state.flowsError);
  const refresh = useLibrary((state) => state.refreshFlows);
  const savedId = useDocument((state) => state.savedId);
  useEffect(() => void refresh(), [refresh]);

  return (
    <section className="flows-list" aria-label="Flows">
      <div className="section-title row between">
        <span>Flows</span>
        <button type="button" className="btn btn-small" onClick={newFlow} data-testid="new-flow-button">
          + New
        </button>
      </div>
      {error ? <div className="error-text small">{error}</div> : null}
      <ul className="list">
        {flows.map((flow) => (
          <li key={flow.id} className={`list-item${flow.id === savedId ? ' active' : ''}`} data-testid={`flow-item-${flow.id}`}>
            <button type="button" className="list-main" onClick={() => guardUnsaved(() => void openFlow(flow.id), `open ${flow.id}`)} title={flow.description ?? flow.id}>
              <span className="list-title">{flow.name ?? flow.id}</span>
              <span className="list-sub mono">
                {flow.id}
                {flow.valid === false ? ' · has problems' : ''}
              </span>
            </button>
            <button type="button" className="icon-btn" aria-label={`Delete ${flow.id}`} title={`Delete ${flow.id}`} onClick={() => deleteFlow(flow.id)} data-testid={`delete-flow-${flow.id}`}>
              ×
            </button>
          </li>
        ))}
        {flows.length === 0 && !error ? <li className="muted small">No saved flows yet.</li> : null}
      </ul>
    </section>
  );
}
