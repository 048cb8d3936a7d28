/**
 * The wire contract of evaluations in the designer: a flow's cases (`/api/flows/:id/cases`), the
 * estimate before an evaluation (`/api/flows/:id/evaluations/estimate`), and an evaluation run in
 * the background and polled (`POST /api/flows/:id/evaluations`, `GET /api/evaluations/:evaluationId`).
 */
import { z } from 'zod';
import { evaluationCaseSchema, MAX_CASES } from '../cases.ts';
import { wireJson } from './wire-limits.ts';

/** At most this many cases in one evaluation from the designer (the CLI has no such cap). */
export const MAX_EVALUATION_CASES = 200;
/** An evaluation compares at most two variants side by side. */
export const MAX_EVALUATION_VARIANTS = 2;
export const MAX_VARIANT_SETTINGS = 20;

export const evaluationParams = z.object({ evaluationId: z.string().regex(/^[a-z0-9-]{1,64}$/, 'an evaluation id') }).strict();

/** `{"classify.model": "gpt-4o"}`: node config to change for one variant, as in a what-if. */
export const variantSettingsSchema = z
  .record(z.string().regex(/^[^.]+\.[^.]+$/, 'write node.key, e.g. "classify.model"'), wireJson())
  .refine((set) => Object.keys(set).length <= MAX_VARIANT_SETTINGS, `at most ${MAX_VARIANT_SETTINGS} config keys per variant`);

const problemSchema = z.object({ line: z.number().int().min(0), caseName: z.string().optional(), message: z.string() });

export const casesAnswer = z.object({
  /** The cases file's cases; empty when there is none or it cannot be read (then `problems` say why). */
  cases: z.array(evaluationCaseSchema),
  /** Problems of the file as it is on disk, by line, and of its cases against the flow. */
  problems: z.array(problemSchema),
  /** Where the cases are kept, relative to the flows directory. */
  file: z.string(),
});
export type CasesAnswer = z.infer<typeof casesAnswer>;

/** `PUT /api/flows/:id/cases`: every case, in order; each is checked as a line of the file would be. */
export const saveCasesBody = z.object({ cases: z.array(wireJson()).max(MAX_CASES) }).strict();

export const evaluationBody = z
  .object({
    /** Case names to run (default: all). */
    cases: z.array(z.string().min(1).max(200)).max(MAX_EVALUATION_CASES).optional(),
    /** One or two variants; none runs the flow as saved. */
    variants: z.array(z.object({ set: variantSettingsSchema }).strict()).min(1).max(MAX_EVALUATION_VARIANTS).optional(),
  })
  .strict();
export type EvaluationBody = z.infer<typeof evaluationBody>;

export const caseResultSchema = z.object({
  name: z.string(),
  passed: z.boolean(),
  differences: z.array(z.string()),
  status: z.string(),
  costUsd: z.number().nullable(),
  durationMs: z.number(),
  unsure: z.boolean(),
  outputs: z.record(z.string(), z.unknown()),
});
export type CaseResultWire = z.infer<typeof caseResultSchema>;

export const evaluationSummarySchema = z.object({
  cases: z.number(),
  passed: z.number(),
  passRate: z.number(),
  totalCostUsd: z.number().nullable(),
  meanCostUsd: z.number().nullable(),
  p50DurationMs: z.number(),
  p95DurationMs: z.number(),
  unsureRate: z.number(),
});

export const evaluationVariantSchema = z.object({
  label: z.string(),
  settings: z.record(z.string(), z.unknown()),
  results: z.array(caseResultSchema),
  summary: evaluationSummarySchema,
});
export type EvaluationVariant = z.infer<typeof evaluationVariantSchema>;

export const evaluationAnswer = z.object({
  evaluationId: z.string(),
  flowId: z.string(),
  status: z.enum(['running', 'finished', 'failed']),
  error: z.string().optional(),
  /** Cases to run per variant. */
  caseCount: z.number(),
  /** Results so far, per variant, in case order. */
  variants: z.array(evaluationVariantSchema),
  /** Cases whose verdict differs between the two variants (once both have run). */
  changed: z.array(z.string()),
  simulated: z.boolean(),
});
export type EvaluationAnswer = z.infer<typeof evaluationAnswer>;

export const evaluationStartedAnswer = z.object({ evaluationId: z.string(), url: z.string() });

export const evaluationEstimateAnswer = z.object({
  caseCount: z.number(),
  /** Worst case per variant, over every case and its `$judge` gradings (a lower bound where a prompt uses a step's output). */
  variants: z.array(z.object({ label: z.string(), totalUsd: z.number(), unpricedSteps: z.array(z.string()) })),
  simulated: z.boolean(),
});
export type EvaluationEstimateAnswer = z.infer<typeof evaluationEstimateAnswer>;
