/** Every step waiting for a person, across all runs, refreshed live. */
import { useApprovals } from '../../state/approvals-store.ts';
import { useRun } from '../../state/run-store.ts';
import { ApprovalCard } from './approval-card.tsx';

export function ApprovalsInbox() {
  const items = useApprovals((state) => state.items);
  const error = useApprovals((state) => state.error);
  const loaded = useApprovals((state) => state.loaded);
  const watched = useRun((state) => state.runId);
  // The run on the canvas first, so its waiting steps are the ones at hand.
  const ordered = watched ? [...items.filter((item) => item.runId === watched), ...items.filter((item) => item.runId !== watched)] : items;
  return (
    <div className="panel-body" data-testid="approvals-inbox">
      <div className="section-title">Waiting for a person</div>
      {error ? <div className="error-text small">{error}</div> : null}
      {loaded && items.length === 0 && !error ? <div className="muted small">Nothing is waiting for a decision.</div> : null}
      {ordered.map((item) => (
        <ApprovalCard key={`${item.runId}/${item.nodeId}`} item={item} />
      ))}
    </div>
  );
}
