/** Which runs the history list asks for: by flow, status and start date (pure, so it is tested alone). */
import type { RunsPageQuery } from '../../api/api-client.ts';

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

/** The filters as `GET /api/runs` takes them: the server filters before it cuts a page. */
export function runsQueryOf(filters: RunFilters, now = Date.now()): RunsPageQuery {
  return {
    ...(filters.flowId ? { flowId: filters.flowId } : {}),
    ...(filters.status ? { status: filters.status as RunsPageQuery['status'] } : {}),
    ...(filters.since !== 'any' ? { since: new Date(now - SINCE_MS[filters.since]).toISOString() } : {}),
  };
}
