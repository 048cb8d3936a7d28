/**
 * What started a run: the designer, the CLI, an invoke call (with its API key's name), a schedule,
 * or what later features add (a replay, a what-if). Kept a small open schema, so a new kind of
 * origin needs no change here and old logs (which have none) stay valid.
 */
import { z } from 'zod';

/**
 * A W3C `traceparent` (version 00): trace id and parent span id in lower-case hex, neither all
 * zeros (https://www.w3.org/TR/trace-context/#traceparent-header).
 */
export const traceparentSchema = z
  .string()
  .regex(/^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/, 'must be a W3C traceparent: 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>');

export const runOriginSchema = z
  .object({
    /** e.g. `designer`, `cli`, `invoke`, `schedule`, `replay`. */
    type: z.string().min(1).max(40).regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and "-"'),
    /** Which one: an API key's name, a trigger's index, a person. */
    name: z.string().min(1).max(200).optional(),
    /** The caller's W3C trace context: the run's trace joins it, also after a restart. */
    traceparent: traceparentSchema.optional(),
  })
  .strict();
export type RunOrigin = z.infer<typeof runOriginSchema>;

/** How a list shows an origin: `invoke · billing-app`, `designer`. */
export function describeOrigin(origin: RunOrigin | undefined): string {
  if (!origin) return '—';
  return origin.name !== undefined ? `${origin.type} · ${origin.name}` : origin.type;
}
