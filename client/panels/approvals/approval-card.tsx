/** One step waiting for a person: approve, approve with an edited payload, or reject with a comment. */
import { useEffect, useRef, useState } from 'react';
import type { ApprovalItem } from '../../api/api-schemas.ts';
import { deadlineText, prettyJson, shortRunId } from '../../lib/format.ts';
import { decide } from '../../state/run-actions.ts';
import { useRun } from '../../state/run-store.ts';
import { useUi } from '../../state/ui-store.ts';
import { JsonEditor } from '../inspector/json-editor.tsx';

export function ApprovalCard({ item }: { item: ApprovalItem }) {
  const [comment, setComment] = useState('');
  const [editing, setEditing] = useState(false);
  const [payload, setPayload] = useState<unknown>(item.request.payload);
  const [busy, setBusy] = useState(false);
  const [payloadError, setPayloadError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const watching = useRun((state) => state.runId === item.runId);
  const focused = useUi((state) => state.focusedApproval?.runId === item.runId && state.focusedApproval.nodeId === item.nodeId);
  const card = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focused) card.current?.scrollIntoView({ block: 'nearest' });
  }, [focused]);
  const { request } = item;

  const send = async (decision: 'approve' | 'reject') => {
    if (decision === 'reject' && comment.trim() === '') return setError('Say why you reject it: the reason goes down the "rejected" wire.');
    setBusy(true);
    const body = decision === 'approve' ? { decision, ...(comment.trim() ? { comment: comment.trim() } : {}), ...(editing ? { payload } : {}) } : { decision, comment: comment.trim() };
    setError(await decide(item.runId, item.nodeId, body));
    setBusy(false);
  };

  return (
    <div ref={card} className={`approval${focused ? ' approval-focused' : ''}${watching ? ' approval-this-run' : ''}`} data-focused={focused ? 'true' : undefined} data-testid={`approval-${item.runId}-${item.nodeId}`}>
      <div className="approval-head">
        <span className="pill pill-waiting">waiting</span>
        <strong>{request.title}</strong>
        {watching ? (
          <span className="pill pill-this-run" data-testid="approval-this-run">
            run on the canvas
          </span>
        ) : null}
      </div>
      <div className="muted small">
        {item.flowName ?? item.flowId ?? ''} · step <span className="mono">{item.nodeId}</span> · run{' '}
        <button type="button" className="link-btn mono" onClick={() => useRun.getState().watch(item.runId)} disabled={watching} title={item.runId} data-testid="approval-run-id">
          {shortRunId(item.runId)}
        </button>
      </div>
      {item.parent ? (
        <div className="muted small" data-testid="approval-parent">
          inside {item.parent.flowName} · step <span className="mono">{item.parent.nodeId}</span>
          {item.parent.itemIndex !== undefined ? ` · item ${item.parent.itemIndex + 1}` : ''} · run{' '}
          <button type="button" className="link-btn mono" onClick={() => useRun.getState().watch(item.parent!.runId)} title={item.parent.runId} data-testid="approval-parent-run-id">
            {shortRunId(item.parent.runId)}
          </button>
          {item.topRunId && item.topRunId !== item.parent.runId ? (
            <>
              {' '}
              (top-level run <span className="mono" title={item.topRunId}>{shortRunId(item.topRunId)}</span>)
            </>
          ) : null}
        </div>
      ) : null}
      {request.instructions ? <p className="approval-instructions">{request.instructions}</p> : null}
      {editing ? (
        <JsonEditor value={payload} onChange={setPayload} onError={setPayloadError} rows={8} testId="approval-payload" />
      ) : (
        <pre className="code-block" data-testid="approval-payload-view">
          {prettyJson(request.payload)}
        </pre>
      )}
      {request.allowEdit && !editing ? (
        <button type="button" className="link-btn" onClick={() => setEditing(true)} data-testid="edit-payload">
          Edit the payload before approving
        </button>
      ) : null}
      <textarea className="input" rows={2} placeholder="Comment (required to reject)" value={comment} onChange={(event) => setComment(event.target.value)} data-testid="approval-comment" />
      {request.deadline ? (
        <div className="muted small" data-testid="approval-deadline">
          {deadlineText(request.deadline, request.onTimeout)}
        </div>
      ) : null}
      <div className="row gap-8">
        <button type="button" className="btn btn-primary" disabled={busy || payloadError !== null} onClick={() => void send('approve')} data-testid="approve-button">
          {editing ? 'Approve edited' : 'Approve'}
        </button>
        <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void send('reject')} data-testid="reject-button">
          Reject
        </button>
      </div>
      {error ? (
        <div className="error-text small" data-testid="approval-error">
          {error}
        </div>
      ) : null}
    </div>
  );
}
