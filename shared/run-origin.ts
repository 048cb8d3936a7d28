/**
 * What started a run: the designer, the CLI, an invoke call (with its API key's name), a schedule,
 * or what later features add (a replay, a what-if). Kept a small open schema, so a new kind of
 * origin needs no change here and old logs (which have none) stay valid.
 */
import { z } from 'zod';

export const runOriginSchema = z
  .object({
    /** e.g. `designer`, `cli`, `invoke`, `schedule`, `replay`. */
    type: z.string().min(1).max(40).regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and "-"'),
    /** Which one: an API key's name, a trigger's index, a person. */
    name: z.string().min(1).max(200).optional(),
  })
  .strict();
export type RunOrigin = z.infer<typeof runOriginSchema>;

/** How a list shows an origin: `invoke · billing-app`, `designer`. */
export function describeOrigin(origin: RunOrigin | undefined): string {
  if (!origin) return '—';
  return origin.name !== undefined ? `${origin.type} · ${origin.name}` : origin.type;
}
