/**
 * Spend caps across runs: a flow's `settings.spendCaps` (and the server's WEFT_SPEND_CAP_DAY_USD)
 * limit what model steps may spend in a calendar day or month, in a stated time zone.
 * A period is named by its calendar date in that zone: `2026-12-06` (a day), `2026-12` (a month).
 */
import { z } from 'zod';

export const DEFAULT_SPEND_TIME_ZONE = 'UTC';

/** Whether the runtime's time-zone database knows a zone name (`Europe/Berlin`, `UTC`). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const spendPeriodSchema = z.enum(['day', 'month']);
export type SpendPeriod = z.infer<typeof spendPeriodSchema>;

export const spendCapSchema = z
  .object({
    period: spendPeriodSchema.describe('A calendar day or month'),
    usd: z.number().positive().max(1_000_000_000).describe('Most the flow may spend on models in the period, in US dollars'),
    timeZone: z.string().min(1).max(64).refine(isTimeZone, 'an IANA time zone name, e.g. "UTC" or "Europe/Berlin"').optional().describe(`Where the period's calendar runs (default ${DEFAULT_SPEND_TIME_ZONE})`),
  })
  .strict();
export type SpendCap = z.infer<typeof spendCapSchema>;

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar period holding `at` in `timeZone`: `YYYY-MM-DD` for a day, `YYYY-MM` for a month. */
export function calendarPeriod(at: Date, period: SpendPeriod, timeZone: string = DEFAULT_SPEND_TIME_ZONE): string {
  let format = dayFormats.get(timeZone);
  if (!format) dayFormats.set(timeZone, (format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  const day = format.format(at);
  return period === 'day' ? day : day.slice(0, 7);
}
