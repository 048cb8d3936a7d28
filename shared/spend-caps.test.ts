import { describe, expect, it } from 'vitest';
import { calendarPeriod } from './spend-caps.ts';
import { flow } from './testing/flow-builder.ts';
import { validateFlowDocument } from './validate.ts';

describe('spend caps in a flow file', () => {
  it('refuses an unknown time zone and a cap of no dollars, at their paths', () => {
    const document = flow('capped').input('ticket', { text: 'string' }).with({ settings: { spendCaps: [{ period: 'day', usd: 5, timeZone: 'Mars/Olympus' }, { period: 'month', usd: 0 }] } }).build();
    const result = validateFlowDocument(document);
    const problems = JSON.stringify(result);
    expect(problems).toContain('settings.spendCaps[0].timeZone');
    expect(problems).toContain('an IANA time zone name');
    expect(problems).toContain('settings.spendCaps[1].usd');
  });

  it('names calendar periods in the stated zone', () => {
    const at = new Date('2026-12-31T23:30:00Z');
    expect(calendarPeriod(at, 'day')).toBe('2026-12-31');
    expect(calendarPeriod(at, 'month', 'Europe/Berlin')).toBe('2027-01');
    expect(calendarPeriod(at, 'day', 'America/New_York')).toBe('2026-12-31');
  });
});
