/**
 * Schemas of the REST answers the client reads. They accept a bare value or one wrapped in a
 * named key (`[...]` or `{flows: [...]}`), so small shape choices on the server do not break the UI.
 */
import { z } from 'zod';
import { runEventSchema } from '../../shared/events.ts';

function bareOrWrapped<T extends z.ZodType>(key: string, schema: T) {
  return z.union([schema, z.object({ [key]: schema }).transform((value) => (value as Record<string, z.infer<T>>)[key]!)]) as unknown as z.ZodType<z.infer<T>>;
}

export const flowSummarySchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  description: z.string().optional(),
  valid: z.boolean().optional(),
  nodeCount: z.number().optional(),
  problems: z.array(z.looseObject({ message: z.string() })).optional(),
});
export type FlowSummary = z.infer<typeof flowSummarySchema>;
export const flowListSchema = bareOrWrapped('flows', z.array(flowSummarySchema));

/** A flow as the server sends it; the editor validates it itself (an invalid file still opens). */
export const flowDocumentSchema = bareOrWrapped('flow', z.looseObject({ id: z.string(), nodes: z.array(z.unknown()) }));

export const runCreatedSchema = z.looseObject({ runId: z.string() });

export const runSummarySchema = z.looseObject({
  runId: z.string(),
  flowId: z.string().optional(),
  flowName: z.string().optional(),
  status: z.string(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  costUsd: z.number().nullable().optional(),
  durationMs: z.number().optional(),
  inputsPreview: z.string().optional(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;
export const runListSchema = bareOrWrapped('runs', z.array(runSummarySchema));

export const runEventsSchema = bareOrWrapped('events', z.array(runEventSchema));

export const approvalItemSchema = z.looseObject({
  runId: z.string(),
  nodeId: z.string(),
  flowId: z.string().optional(),
  flowName: z.string().optional(),
  label: z.string().optional(),
  since: z.string().optional(),
  at: z.string().optional(),
  request: z.looseObject({
    title: z.string(),
    instructions: z.string().optional(),
    payload: z.unknown(),
    allowEdit: z.boolean().optional(),
    deadline: z.string().optional(),
    onTimeout: z.enum(['approve', 'reject']).optional(),
  }),
});
export type ApprovalItem = z.infer<typeof approvalItemSchema>;
export const approvalListSchema = bareOrWrapped('approvals', z.array(approvalItemSchema));

export const stepEstimateSchema = z.looseObject({
  nodeId: z.string(),
  model: z.string().optional(),
  simulated: z.boolean().optional(),
  promptTokens: z.number().int().min(0),
  maxTokens: z.number().int().min(0),
  worstCaseUsd: z.number().nullable(),
});
export const estimateSchema = bareOrWrapped(
  'estimate',
  z.looseObject({
    steps: z.array(stepEstimateSchema),
    totalUsd: z.number(),
    unpricedSteps: z.array(z.string()).optional(),
    budgetUsd: z.number().optional(),
    fitsBudget: z.boolean().nullable().optional(),
  }),
);
export type FlowEstimate = z.infer<typeof estimateSchema>;

export const healthSchema = z.looseObject({ simulated: z.boolean().optional(), version: z.string().optional() });
export type Health = z.infer<typeof healthSchema>;

export const anyJsonSchema = z.unknown();
