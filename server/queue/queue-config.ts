/**
 * The environment of roles and workers (database mode): WEFT_ROLE, WEFT_WORKER_CONCURRENCY,
 * WEFT_LEASE_TIMEOUT_MS, parsed with zod. Errors name the variable and the limit.
 */
import { z } from 'zod';

/** `all` serves and executes (the default); `api` serves only; `worker` (`npx weft worker`) executes only. */
export type ServerRole = 'all' | 'api' | 'worker';

export const DEFAULT_WORKER_CONCURRENCY = 8;
export const MAX_WORKER_CONCURRENCY = 1_000;
/** Takeover of a dead worker's runs comes at most this long after its last renewal (plus one sweep). */
export const DEFAULT_LEASE_TIMEOUT_MS = 10_000;
export const MIN_LEASE_TIMEOUT_MS = 300;
export const MAX_LEASE_TIMEOUT_MS = 3_600_000;

export interface QueueConfig {
  role: ServerRole;
  workerConcurrency: number;
  leaseTimeoutMs: number;
}

const whole = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((value) => value >= min && value <= max, `must be a whole number from ${min} to ${max}`)
    .optional()
    .describe(name);

const queueEnv = z.object({
  WEFT_ROLE: z.enum(['all', 'api'], { message: 'must be "api" (serve without executing runs) or "all" (the default); workers start with `npx weft worker`' }).optional(),
  WEFT_WORKER_CONCURRENCY: whole('WEFT_WORKER_CONCURRENCY', 1, MAX_WORKER_CONCURRENCY),
  WEFT_LEASE_TIMEOUT_MS: whole('WEFT_LEASE_TIMEOUT_MS', MIN_LEASE_TIMEOUT_MS, MAX_LEASE_TIMEOUT_MS),
});

/** Throws the message lines (`VARIABLE: problem`) of what does not parse. */
export function parseQueueConfig(env: Record<string, string | undefined>): { config: QueueConfig } | { problems: string[] } {
  const parsed = queueEnv.safeParse({ WEFT_ROLE: env['WEFT_ROLE'] || undefined, WEFT_WORKER_CONCURRENCY: env['WEFT_WORKER_CONCURRENCY'] || undefined, WEFT_LEASE_TIMEOUT_MS: env['WEFT_LEASE_TIMEOUT_MS'] || undefined });
  if (!parsed.success) return { problems: parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`) };
  return {
    config: {
      role: parsed.data.WEFT_ROLE ?? 'all',
      workerConcurrency: parsed.data.WEFT_WORKER_CONCURRENCY ?? DEFAULT_WORKER_CONCURRENCY,
      leaseTimeoutMs: parsed.data.WEFT_LEASE_TIMEOUT_MS ?? DEFAULT_LEASE_TIMEOUT_MS,
    },
  };
}
