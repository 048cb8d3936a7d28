/**
 * Runs of every flow in one list (`GET /api/runs`): status, flow, when, how long, cost, who started
 * it (its origin, "—" for runs recorded before origins were) and the start of its inputs; with
 * filters when `filterable`.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { describeOrigin } from '../../../shared/run-origin.ts';
import { RUN_PAGE_MAX } from '../../../shared/wire/rest-requests.ts';
import { api, type RunsPageQuery } from '../../api/api-client.ts';
import type { RunSummary } from '../../api/api-schemas.ts';
import { formatDuration, formatUsd, formatWhen, RUN_LABELS, shortRunId } from '../../lib/format.ts';
import { useLibrary } from '../../state/library-store.ts';
import { useRun } from '../../state/run-store.ts';
import { NO_FILTERS, runsQueryOf, type RunFilters, type SinceFilter } from './run-filters.ts';

/** Runs asked for per page: the server filters, then cuts (`GET /api/runs`). */
const PAGE_SIZE = 50;

/**
 * The runs `query` selects, a page at a time: `load` asks for the first page again (new filters, a
 * run that changed), `more` for the page after the last one shown. An answer to an older request
 * than the latest is dropped, so a slow page never overwrites a newer list.
 */
function usePagedRuns(query: RunsPageQuery, pageSize: number) {
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);
  /** How many runs are shown for which query: asking again keeps the older pages a person opened. */
  const shown = useRef({ key: '', count: 0 });
  const key = JSON.stringify(query);
  const fetchPage = useCallback(
    (before: string | undefined) => {
      const request = ++latest.current;
      const limit = before || shown.current.key !== key ? pageSize : Math.min(RUN_PAGE_MAX, Math.max(pageSize, shown.current.count));
      api.listRuns({ ...(JSON.parse(key) as RunsPageQuery), limit, ...(before ? { before } : {}) }).then(
        (page) => {
          if (request !== latest.current) return;
          setRuns((previous) => {
            const list = before ? [...previous, ...page.runs] : page.runs;
            shown.current = { key, count: list.length };
            return list;
          });
          setNext(page.next);
          setError(null);
        },
        (failure: unknown) => request === latest.current && setError(failure instanceof Error ? failure.message : String(failure)),
      );
    },
    [key, pageSize],
  );
  const load = useCallback(() => fetchPage(undefined), [fetchPage]);
  const more = useCallback(() => fetchPage(next), [fetchPage, next]);
  return { runs, next, error, load, more };
}

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
  const [open, setOpen] = useState(false);
  const children = usePagedRuns(useMemo(() => ({ parentRunId }), [parentRunId]), PAGE_SIZE);
  const toggle = () => {
    if (!open) children.load();
    setOpen(!open);
  };
  return (
    <div className="run-children small" data-testid="history-child-runs">
      <button type="button" className="link-btn small" onClick={toggle} aria-expanded={open} data-testid="history-child-toggle">
        {open ? 'Hide' : 'Show'} {count} child run{count === 1 ? '' : 's'}
      </button>
      {children.error ? <span className="error-text small"> {children.error}</span> : null}
      {open ? (
        <ul className="list">
          {children.runs.map((child) => (
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
      {open && children.next ? <MoreButton onClick={children.more} testId="history-child-more" /> : null}
    </div>
  );
}

function MoreButton({ onClick, testId }: { onClick: () => void; testId: string }) {
  return (
    <button type="button" className="link-btn small" onClick={onClick} data-testid={testId}>
      Show older runs
    </button>
  );
}

export function RunList({ onOpen, testId, limit, filterable = false, initialFilters, onRuns }: Props) {
  const [filters, setFilters] = useState<RunFilters>({ ...NO_FILTERS, ...initialFilters });
  const watched = useRun((state) => state.runId);
  const watchedStatus = useRun((state) => state.run?.status);
  // "Last hour" is reckoned when the filters change, not at every render.
  const query = useMemo(() => runsQueryOf(filters), [filters]);
  const { runs, next, error, load, more } = usePagedRuns(query, limit ?? PAGE_SIZE);
  useEffect(load, [load, watched, watchedStatus]);
  useEffect(() => onRuns?.(runs), [onRuns, runs]);
  const filtered = filters.flowId !== '' || filters.status !== '' || filters.since !== 'any';

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
      {runs.length === 0 && !error ? <div className="muted small">{filtered ? 'No run matches these filters.' : 'No runs yet.'}</div> : null}
      <ul className="list">
        {runs.map((run) => (
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
      {next && limit === undefined ? <MoreButton onClick={more} testId="history-more" /> : null}
    </div>
  );
}
