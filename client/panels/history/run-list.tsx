/**
 * Runs of every flow in one list (`GET /api/runs`): status, flow, when, how long, cost, who started
 * it (its origin, "—" for runs recorded before origins were) and the start of its inputs; with
 * filters when `filterable`.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { describeOrigin } from '../../../shared/run-origin.ts';
import { api } from '../../api/api-client.ts';
import type { RunSummary } from '../../api/api-schemas.ts';
import { formatDuration, formatUsd, formatWhen, RUN_LABELS, shortRunId } from '../../lib/format.ts';
import { useLibrary } from '../../state/library-store.ts';
import { useRun } from '../../state/run-store.ts';
import { filterRuns, NO_FILTERS, type RunFilters, type SinceFilter } from './run-filters.ts';

interface Props {
  onOpen: (runId: string) => void;
  testId: string;
  limit?: number;
  filterable?: boolean;
  initialFilters?: Partial<RunFilters>;
  /** Called with what the list shows, e.g. to offer runs to compare. */
  onRuns?: (runs: RunSummary[]) => void;
}

function FilterBar({ filters, onChange }: { filters: RunFilters; onChange: (filters: RunFilters) => void }) {
  const flows = useLibrary((state) => state.flows);
  return (
    <div className="run-filters">
      <select className="input" value={filters.flowId} onChange={(event) => onChange({ ...filters, flowId: event.target.value })} aria-label="Flow" data-testid="filter-flow">
        <option value="">All flows</option>
        {flows.map((flow) => (
          <option key={flow.id} value={flow.id}>
            {flow.name ?? flow.id}
          </option>
        ))}
      </select>
      <select className="input" value={filters.status} onChange={(event) => onChange({ ...filters, status: event.target.value })} aria-label="Status" data-testid="filter-status">
        <option value="">Any status</option>
        {Object.entries(RUN_LABELS).map(([status, label]) => (
          <option key={status} value={status}>
            {label}
          </option>
        ))}
      </select>
      <select className="input" value={filters.since} onChange={(event) => onChange({ ...filters, since: event.target.value as SinceFilter })} aria-label="Started" data-testid="filter-since">
        <option value="any">Any time</option>
        <option value="hour">Last hour</option>
        <option value="day">Last 24 hours</option>
        <option value="week">Last 7 days</option>
      </select>
    </div>
  );
}

/** A run's child runs (subflow, map items), listed under it on demand: they are not among the top-level runs. */
function ChildRuns({ parentRunId, count, onOpen }: { parentRunId: string; count: number; onOpen: (runId: string) => void }) {
  const [children, setChildren] = useState<RunSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const toggle = () => {
    if (children) return setChildren(null);
    api.listChildRuns(parentRunId).then(setChildren, (failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)));
  };
  return (
    <div className="run-children small" data-testid="history-child-runs">
      <button type="button" className="link-btn small" onClick={toggle} aria-expanded={children !== null} data-testid="history-child-toggle">
        {children ? 'Hide' : 'Show'} {count} child run{count === 1 ? '' : 's'}
      </button>
      {error ? <span className="error-text small"> {error}</span> : null}
      {children ? (
        <ul className="list">
          {children.map((child) => (
            <li key={child.runId} className="list-item" data-testid={`history-child-${child.runId}`}>
              <button type="button" className="list-main" onClick={() => onOpen(child.runId)}>
                <span className="row gap-8">
                  <span className={`pill pill-run-${child.status}`}>{RUN_LABELS[child.status] ?? child.status}</span>
                  <span className="small">{child.flowName ?? child.flowId}</span>
                  <span className="mono small" title={child.runId}>
                    {shortRunId(child.runId)}
                  </span>
                  <span className="muted small">{formatUsd(child.costUsd)}</span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function RunList({ onOpen, testId, limit, filterable = false, initialFilters, onRuns }: Props) {
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [filters, setFilters] = useState<RunFilters>({ ...NO_FILTERS, ...initialFilters });
  const watched = useRun((state) => state.runId);
  const watchedStatus = useRun((state) => state.run?.status);
  const load = useCallback(() => {
    api.listRuns().then(
      (list) => {
        setRuns(list);
        setError(null);
      },
      (failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)),
    );
  }, []);
  useEffect(load, [load, watched, watchedStatus]);
  const shown = useMemo(() => filterRuns(runs, filters).slice(0, limit), [runs, filters, limit]);
  useEffect(() => onRuns?.(shown), [onRuns, shown]);

  return (
    <div className="run-list" data-testid={testId}>
      {filterable ? (
        <div className="row gap-8">
          <FilterBar filters={filters} onChange={setFilters} />
          <button type="button" className="btn btn-small" onClick={load} title="Fetch the list again">
            Refresh
          </button>
        </div>
      ) : null}
      {error ? <div className="error-text small">{error}</div> : null}
      {shown.length === 0 && !error ? <div className="muted small">{runs.length === 0 ? 'No runs yet.' : 'No run matches these filters.'}</div> : null}
      <ul className="list">
        {shown.map((run) => (
          <li key={run.runId} className={`list-item${run.runId === watched ? ' active' : ''}`} data-testid={`history-run-${run.runId}`}>
            <button type="button" className="list-main" onClick={() => onOpen(run.runId)}>
              <span className="row between gap-8">
                <span className={`pill pill-run-${run.status}`}>{RUN_LABELS[run.status] ?? run.status}</span>
                <span className="list-title run-list-flow">{run.flowName ?? run.flowId}</span>
                <span className="muted small">{typeof run.costUsd === 'number' ? formatUsd(run.costUsd) : ''}</span>
              </span>
              <span className="list-sub">
                {formatWhen(run.startedAt)}
                {run.durationMs !== undefined ? ` · ${formatDuration(run.durationMs)}` : ''} · by {describeOrigin(run.origin)} ·{' '}
                <span className="mono" title={run.runId} data-testid="history-run-id">
                  {shortRunId(run.runId)}
                </span>
              </span>
              {run.inputsPreview ? (
                <span className="list-sub mono" data-testid="history-run-inputs">
                  {run.inputsPreview}
                </span>
              ) : null}
            </button>
            {run.childCount ? <ChildRuns parentRunId={run.runId} count={run.childCount} onOpen={onOpen} /> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
