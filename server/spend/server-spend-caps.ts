/**
 * The server-wide spend cap: WEFT_SPEND_CAP_DAY_USD dollars per calendar day over every flow's
 * model steps, the day running in WEFT_SPEND_CAP_TIME_ZONE (default UTC).
 */
import { z } from 'zod';
import { DEFAULT_SPEND_TIME_ZONE, isTimeZone } from '../../shared/spend-caps.ts';
import { ConfigError } from '../config.ts';
import type { ScopedSpendCap } from '../engine/spend-ledger.ts';

const envSchema = z.object({
  WEFT_SPEND_CAP_DAY_USD: z
    .string()
    .regex(/^\d{1,9}(\.\d{1,6})?$/, 'must be a dollar amount above 0, e.g. 5 or 12.50')
    .transform(Number)
    .refine((usd) => usd > 0, 'must be a dollar amount above 0, e.g. 5 or 12.50')
    .optional(),
  WEFT_SPEND_CAP_TIME_ZONE: z.string().refine(isTimeZone, 'must be an IANA time zone name, e.g. UTC or Europe/Berlin').optional(),
});

/** The server's caps from its environment; a bad value is a ConfigError naming the variable. */
export function serverSpendCapsFrom(env: Record<string, string | undefined>): ScopedSpendCap[] {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}, got ${JSON.stringify(env[String(issue.path[0])])}`);
    throw new ConfigError(`invalid server configuration:\n  ${lines.join('\n  ')}`);
  }
  const usd = parsed.data.WEFT_SPEND_CAP_DAY_USD;
  if (usd === undefined) return [];
  return [{ scope: 'server', period: 'day', usd, timeZone: parsed.data.WEFT_SPEND_CAP_TIME_ZONE ?? DEFAULT_SPEND_TIME_ZONE }];
}
