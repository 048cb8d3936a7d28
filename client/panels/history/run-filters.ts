/** Which runs the history list shows: by flow, status and start date (pure, so it is tested alone). */
import type { RunSummary } from '../../api/api-schemas.ts';

export type SinceFilter = 'any' | 'hour' | 'day' | 'week';

export interface RunFilters {
  /** '' for every flow. */
  flowId: string;
  /** '' for any status; 'waiting' is the runs waiting for a person. */
  status: string;
  since: SinceFilter;
}

export const NO_FILTERS: RunFilters = { flowId: '', status: '', since: 'any' };

const SINCE_MS: Record<SinceFilter, number> = { any: Infinity, hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 };

export function filterRuns(runs: readonly RunSummary[], filters: RunFilters, now = Date.now()): RunSummary[] {
  const earliest = now - SINCE_MS[filters.since];
  return runs.filter((run) => {
    if (filters.flowId && run.flowId !== filters.flowId) return false;
    if (filters.status && run.status !== filters.status) return false;
    if (filters.since !== 'any' && (!run.startedAt || Date.parse(run.startedAt) < earliest)) return false;
    return true;
  });
}
