/** The "waiting for you" strip of an approval node: approve here, or open the inbox to review. */
import { useState } from 'react';
import { decide } from '../state/run-actions.ts';
import { useRun } from '../state/run-store.ts';
import { useUi } from '../state/ui-store.ts';

export function NodeWaiting({ nodeId, title }: { nodeId: string; title: string }) {
  const runId = useRun((state) => state.runId);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!runId) return null;
  const approve = async (event: React.MouseEvent) => {
    event.stopPropagation();
    setBusy(true);
    setError(await decide(runId, nodeId, { decision: 'approve' }));
    setBusy(false);
  };
  // The click would also reach the node, whose click focuses the step in the Inspect tab.
  const review = (event: React.MouseEvent) => {
    event.stopPropagation();
    useUi.getState().reviewApproval(runId, nodeId);
  };
  return (
    <div className="node-waiting nodrag" data-testid={`node-waiting-${nodeId}`}>
      <div className="node-waiting-title">Waiting for you</div>
      <div className="node-muted">{title}</div>
      <div className="row gap-8">
        <button type="button" className="btn btn-small btn-primary" disabled={busy} onClick={approve}>
          Approve
        </button>
        <button type="button" className="btn btn-small" onClick={review} data-testid={`review-${nodeId}`}>
          Review…
        </button>
      </div>
      {error ? <div className="node-error">{error}</div> : null}
    </div>
  );
}
