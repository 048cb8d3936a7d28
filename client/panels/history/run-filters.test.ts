import { describe, expect, it } from 'vitest';
import { NO_FILTERS, runsQueryOf } from './run-filters.ts';

const now = Date.UTC(2026, 0, 10, 12);

describe('runsQueryOf', () => {
  it('asks for every run with no filter', () => {
    expect(runsQueryOf(NO_FILTERS, now)).toEqual({});
  });
  it('turns flow, status and start date into the query the server filters by', () => {
    expect(runsQueryOf({ ...NO_FILTERS, flowId: 'triage' }, now)).toEqual({ flowId: 'triage' });
    expect(runsQueryOf({ ...NO_FILTERS, status: 'waiting' }, now)).toEqual({ status: 'waiting' });
    expect(runsQueryOf({ ...NO_FILTERS, since: 'hour' }, now)).toEqual({ since: '2026-01-10T11:00:00.000Z' });
    expect(runsQueryOf({ ...NO_FILTERS, since: 'day' }, now)).toEqual({ since: '2026-01-09T12:00:00.000Z' });
    expect(runsQueryOf({ flowId: 'invoice', status: 'succeeded', since: 'week' }, now)).toEqual({ flowId: 'invoice', status: 'succeeded', since: '2026-01-03T12:00:00.000Z' });
  });
});
