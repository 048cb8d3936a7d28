import { describe, expect, it } from 'vitest';
import { filterRuns, NO_FILTERS } from './run-filters.ts';

const now = Date.UTC(2026, 0, 10, 12);
const summary = { flowName: 'A flow', flowHash: 'hash', costUsd: 0 } as const;
const runs = [
  { ...summary, runId: 'run-a', flowId: 'triage', status: 'succeeded' as const, startedAt: new Date(now - 10 * 60_000).toISOString() },
  { ...summary, runId: 'run-b', flowId: 'invoice', status: 'waiting' as const, startedAt: new Date(now - 3 * 3_600_000).toISOString() },
  { ...summary, runId: 'run-c', flowId: 'triage', status: 'failed' as const, startedAt: new Date(now - 3 * 86_400_000).toISOString() },
  { ...summary, runId: 'run-d', flowId: 'invoice', status: 'succeeded' as const, startedAt: new Date(now - 30 * 86_400_000).toISOString() },
];
const ids = (list: { runId: string }[]) => list.map((run) => run.runId);

describe('filterRuns', () => {
  it('keeps every run with no filter', () => {
    expect(ids(filterRuns(runs, NO_FILTERS, now))).toEqual(['run-a', 'run-b', 'run-c', 'run-d']);
  });
  it('filters by flow, status and start date, together', () => {
    expect(ids(filterRuns(runs, { ...NO_FILTERS, flowId: 'triage' }, now))).toEqual(['run-a', 'run-c']);
    expect(ids(filterRuns(runs, { ...NO_FILTERS, status: 'waiting' }, now))).toEqual(['run-b']);
    expect(ids(filterRuns(runs, { ...NO_FILTERS, since: 'hour' }, now))).toEqual(['run-a']);
    expect(ids(filterRuns(runs, { ...NO_FILTERS, since: 'day' }, now))).toEqual(['run-a', 'run-b']);
    expect(ids(filterRuns(runs, { ...NO_FILTERS, since: 'week' }, now))).toEqual(['run-a', 'run-b', 'run-c']);
    expect(ids(filterRuns(runs, { flowId: 'invoice', status: 'succeeded', since: 'any' }, now))).toEqual(['run-d']);
  });
});
