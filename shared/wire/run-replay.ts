/** The wire contract of replaying a finished run and asking "what if" of it (`/api/runs/:runId/replay`, `/what-if`). */
import { z } from 'zod';

export const MAX_WHAT_IF_SETTINGS = 20;

export const whatIfBody = z
  .object({
    set: z
      .record(z.string().regex(/^[^.]+\.[^.]+$/, 'write node.key, e.g. "classify.model"'), z.unknown())
      .refine((set) => Object.keys(set).length >= 1 && Object.keys(set).length <= MAX_WHAT_IF_SETTINGS, `name 1 to ${MAX_WHAT_IF_SETTINGS} config keys to change`)
      .describe('Node config to change, by node.key: {"classify.model": "gpt-4o"}'),
  })
  .strict();

export const runComparisonAnswer = z.object({
  runId: z.string(),
  originalRunId: z.string(),
  status: z.string(),
  originalStatus: z.string(),
  identical: z.boolean(),
  outputs: z.object({ original: z.record(z.string(), z.unknown()), new: z.record(z.string(), z.unknown()), changedFields: z.array(z.string()) }),
  cost: z.object({
    originalUsd: z.number(),
    newUsd: z.number(),
    deltaUsd: z.number(),
    steps: z.array(z.object({ nodeId: z.string(), originalUsd: z.number(), newUsd: z.number(), deltaUsd: z.number() })),
  }),
  reused: z.array(z.string()),
});
export type RunComparisonAnswer = z.infer<typeof runComparisonAnswer>;
