/** Says which run the canvas shows, its state, and the way back to editing. */
import { RUN_LABELS, shortRunId } from '../lib/format.ts';
import { useRun } from '../state/run-store.ts';

export function RunBanner() {
  const runId = useRun((state) => state.runId);
  const status = useRun((state) => (state.run?.lastSeq ? state.run.status : undefined));
  const error = useRun((state) => state.error);
  const close = useRun((state) => state.close);
  if (!runId) return null;
  return (
    <div className={`run-banner run-banner-${status ?? 'loading'}`} data-testid="run-banner">
      <span className="run-banner-dot" />
      <span>
        Run <span className="mono" title={runId} data-testid="run-banner-id">{shortRunId(runId)}</span> · {error ?? (status ? RUN_LABELS[status] : 'Loading…')}
      </span>
      <button type="button" className="btn btn-small" onClick={close} data-testid="close-run-button">
        Back to editing
      </button>
    </div>
  );
}
