/**
 * The item runs of a step over many items (a map): index, status and cost of each, read a page at
 * a time from the server (a map may have thousands), each opening its run on the canvas.
 */
import { useEffect, useState } from 'react';
import { api } from '../../api/api-client.ts';
import { formatUsd, RUN_LABELS, shortRunId } from '../../lib/format.ts';
import { openChildRun } from '../../state/child-navigation.ts';
import { useRun } from '../../state/run-store.ts';
import { useUi } from '../../state/ui-store.ts';
import { Modal } from './modal.tsx';

const PAGE = 50;
/** Reads at once: a page of item runs must not flood the server. */
const READS_AT_ONCE = 6;

interface ItemRun {
  runId: string;
  itemIndex: number | undefined;
}
type Summary = { status: string; costUsd: number } | { error: string };

async function readAll(items: ItemRun[], onRead: (runId: string, summary: Summary) => void, live: () => boolean): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && live()) {
      const item = items[next++]!;
      try {
        const run = await api.getRun(item.runId);
        if (live()) onRead(item.runId, { status: run.status, costUsd: run.costUsd });
      } catch (error) {
        if (live()) onRead(item.runId, { error: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: READS_AT_ONCE }, worker));
}

export function ItemRunsDialog({ runId, nodeId }: { runId: string; nodeId: string }) {
  const close = useUi((state) => state.closeDialog);
  const children = useRun((state) => (state.run?.runId === runId && Object.hasOwn(state.run.steps, nodeId) ? state.run.steps[nodeId]!.children : undefined));
  const progress = useRun((state) => (state.run?.runId === runId && Object.hasOwn(state.run.steps, nodeId) ? state.run.steps[nodeId]!.progress : undefined));
  const [page, setPage] = useState(0);
  const [summaries, setSummaries] = useState<ReadonlyMap<string, Summary>>(new Map());
  const items: ItemRun[] = [...(children ?? [])].sort((a, b) => (a.itemIndex ?? 0) - (b.itemIndex ?? 0)).map((child) => ({ runId: child.runId, itemIndex: child.itemIndex }));
  const pages = Math.max(1, Math.ceil(items.length / PAGE));
  const shown = items.slice(page * PAGE, (page + 1) * PAGE);
  const shownKey = shown.map((item) => item.runId).join(',');
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    let live = true;
    void readAll(shown, (id, summary) => setSummaries((previous) => new Map(previous).set(id, summary)), () => live);
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shownKey, refresh]);

  return (
    <Modal title={`Item runs of ${nodeId}`} onClose={close} testId="item-runs" wide>
      <p className="muted small">
        {items.length} item run{items.length === 1 ? '' : 's'} started
        {progress ? ` · ${progress.done} done, ${progress.failed} failed, of ${progress.total}` : ''}. Open one to watch it on the canvas.
      </p>
      <table className="item-runs-table">
        <thead>
          <tr>
            <th>Item</th>
            <th>Run</th>
            <th>Status</th>
            <th>Cost</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {shown.map((item) => {
            const summary = summaries.get(item.runId);
            return (
              <tr key={item.runId} data-testid={`item-run-${item.itemIndex ?? '?'}`}>
                <td className="mono">{item.itemIndex ?? '—'}</td>
                <td className="mono" title={item.runId}>
                  {shortRunId(item.runId)}
                </td>
                <td data-testid={`item-run-status-${item.itemIndex ?? '?'}`}>
                  {!summary ? '…' : 'error' in summary ? <span className="error-text">{summary.error}</span> : <span className={`pill pill-${summary.status}`}>{RUN_LABELS[summary.status] ?? summary.status}</span>}
                </td>
                <td className="mono">{summary && !('error' in summary) ? formatUsd(summary.costUsd) : ''}</td>
                <td>
                  <button type="button" className="btn btn-small" onClick={() => openChildRun(item.runId)} data-testid={`item-run-open-${item.itemIndex ?? '?'}`}>
                    Open
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="dialog-actions">
        {pages > 1 ? (
          <>
            <button type="button" className="btn btn-small" disabled={page === 0} onClick={() => setPage(page - 1)}>
              Previous
            </button>
            <span className="muted small">
              page {page + 1} of {pages}
            </span>
            <button type="button" className="btn btn-small" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
              Next
            </button>
          </>
        ) : null}
        <button type="button" className="btn btn-small" onClick={() => setRefresh(refresh + 1)} data-testid="item-runs-refresh">
          Refresh
        </button>
        <button type="button" className="btn btn-primary" onClick={close}>
          Close
        </button>
      </div>
    </Modal>
  );
}
