/**
 * What the REST API answers, as zod schemas: the server types each answer with them
 * (server/http/reply.ts), the client parses each answer with them (client/api/api-client.ts).
 * Lists come wrapped in a named key (`{flows: [...]}`), always.
 */
import { z } from 'zod';
import { runEventSchema } from '../events.ts';
import { approvalRequestSchema } from '../kinds/approval.ts';
import { flowSchema } from '../flow.ts';
import { runOriginSchema } from '../run-origin.ts';

/** An issue of an error answer: where (`body.inputs.text`) and what; validator problems add their own keys. */
export const issueSchema = z.looseObject({ path: z.string(), message: z.string() });
export type Issue = z.infer<typeof issueSchema>;

/** Every error answer, whatever the status. */
export const errorAnswer = z.object({ error: z.object({ message: z.string(), issues: z.array(issueSchema).optional() }) });
export type ErrorAnswer = z.infer<typeof errorAnswer>;

export const runStatusSchema = z.enum(['running', 'waiting', 'succeeded', 'failed', 'cancelled']);

/** A problem shared/validate.ts found in a flow. */
export const problemSchema = z.object({
  rule: z.string(),
  message: z.string(),
  path: z.string(),
  nodeId: z.string().optional(),
  port: z.string().optional(),
  edge: z.object({ from: z.string(), to: z.string() }).optional(),
  line: z.number().optional(),
  column: z.number().optional(),
});

/** A flow file: a valid one with its name and node count, an invalid one with its problems. */
export const flowSummarySchema = z.object({
  id: z.string(),
  file: z.string(),
  valid: z.boolean(),
  name: z.string().optional(),
  description: z.string().optional(),
  nodeCount: z.number().int().min(0).optional(),
  problems: z.array(problemSchema).optional(),
});
export type FlowSummary = z.infer<typeof flowSummarySchema>;
/** `GET /api/flows` */
export const flowListAnswer = z.object({ flows: z.array(flowSummarySchema) });

/**
 * `GET /api/flows/:id`: the flow, or the JSON object of a file that is not a valid flow (the
 * editor opens it to show its problems, and validates it itself).
 */
export const flowDocumentAnswer = z.record(z.string(), z.unknown());
/**
 * `PUT /api/flows/:id`: the flow as stored (canonical form). A draft (well-formed, with graph
 * problems) is stored too, and answered with its `problems`; running it stays refused.
 */
export const savedFlowAnswer = flowSchema.extend({ problems: z.array(issueSchema).optional() });
/** `DELETE /api/flows/:id`: 204, no body. */
export const noContentAnswer = z.undefined();

/** `POST /api/flows/:id/runs`, `POST /api/runs` */
export const runCreatedAnswer = z.object({ runId: z.string() });

/**
 * `POST /api/flows/:id/invoke`: 200 once the run has ended (its outputs and cost), 202 while it
 * still runs or waits for a person (`url` is where its state is read).
 */
export const invokeAnswer = z.object({
  runId: z.string(),
  status: runStatusSchema,
  outputs: z.record(z.string(), z.unknown()).optional(),
  costUsd: z.number().optional(),
  error: z.object({ message: z.string(), code: z.string() }).optional(),
  url: z.string().optional(),
});
export type InvokeAnswer = z.infer<typeof invokeAnswer>;

export const runSummarySchema = z.object({
  runId: z.string(),
  flowId: z.string(),
  flowName: z.string(),
  flowHash: z.string(),
  status: runStatusSchema,
  startedAt: z.string(),
  endedAt: z.string().optional(),
  costUsd: z.number(),
  /** From the first event to the last (ended runs). */
  durationMs: z.number().optional(),
  /** The start of the run's inputs as JSON, for lists. */
  inputsPreview: z.string().optional(),
  /** What started the run: designer, CLI, invoke (with the key's name), schedule. */
  origin: runOriginSchema.optional(),
  /** A child run's (subflow, map item): the run whose step started it. */
  parentRunId: z.string().optional(),
  /** A run with child runs: how many (they are listed with `?parentRunId=`, not among top-level runs). */
  childCount: z.number().int().min(0).optional(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;
/**
 * `GET /api/runs`: one page, newest first. `next` is there when more runs match: pass it back as
 * `before` for the next page. `childRunsHidden`: child runs kept in all (listed by `?parentRunId=`).
 */
export const runListAnswer = z.object({ runs: z.array(runSummarySchema), childRunsHidden: z.number().int().min(0).optional(), next: z.string().optional() });
export type RunListAnswer = z.infer<typeof runListAnswer>;

const stepStateSchema = z.object({ nodeId: z.string(), status: z.string() });
/**
 * `GET /api/runs/:runId`: the run's state as the one reducer folds it from its events
 * (shared/run-state.ts `RunState`, sent whole). The browser folds events itself; this names the
 * keys a script may rely on.
 */
export const runStateAnswer = z.object({
  runId: z.string(),
  flowId: z.string(),
  status: runStatusSchema,
  startedAt: z.string(),
  endedAt: z.string().optional(),
  costUsd: z.number(),
  lastSeq: z.number().int().min(0),
  steps: z.record(z.string(), stepStateSchema),
});

/** `GET /api/runs/:runId/events?after=` */
export const runEventsAnswer = z.object({ events: z.array(runEventSchema) });

/** `POST /api/runs/:runId/cancel` */
export const cancelAnswer = z.object({ runId: z.string(), status: runStatusSchema });

/** `POST /api/runs/:runId/steps/:nodeId/decision` */
export const decisionAnswer = z.object({ runId: z.string(), nodeId: z.string(), status: runStatusSchema, step: stepStateSchema.optional() });

export const stepEstimateSchema = z.object({
  nodeId: z.string(),
  model: z.string(),
  simulated: z.boolean(),
  promptTokens: z.number().int().min(0),
  maxTokens: z.number().int().min(0),
  /** The step's context budget and what it does to the counted prompt (server/executors/model/context-budget.ts). */
  maxInputTokens: z.number().int().min(1).optional(),
  context: z.enum(['fits', 'truncated', 'too-long']).optional(),
  /** null: the model has no known price. */
  worstCaseUsd: z.number().nullable(),
});
export type StepEstimate = z.infer<typeof stepEstimateSchema>;
/** `POST /api/estimate`: the worst-case cost of a flow (server/estimate.ts). */
export const estimateAnswer = z.object({
  steps: z.array(stepEstimateSchema),
  /** Sum over priced steps. */
  totalUsd: z.number(),
  /** Model steps whose model has no known price. */
  unpricedSteps: z.array(z.string()),
  budgetUsd: z.number().optional(),
  /**
   * null without a budget. With one: whether the worst case fits; false when a step is unpriced,
   * because such a step fails under a budget (its cost cannot be checked).
   */
  fitsBudget: z.boolean().nullable(),
});
export type FlowEstimate = z.infer<typeof estimateAnswer>;

export const pendingApprovalSchema = z.object({
  runId: z.string(),
  flowId: z.string(),
  flowName: z.string(),
  nodeId: z.string(),
  label: z.string().optional(),
  request: approvalRequestSchema,
  since: z.string().optional(),
  /** A step inside a child run (subflow, map item): the run and step that started that child run. */
  parent: z.object({ runId: z.string(), flowId: z.string(), flowName: z.string(), nodeId: z.string(), itemIndex: z.number().int().min(0).optional() }).optional(),
  /** A step inside a child run: the top-level run above it (the parent's, for a child of a child). */
  topRunId: z.string().optional(),
});
export type PendingApproval = z.infer<typeof pendingApprovalSchema>;
/** `GET /api/approvals` */
export const approvalListAnswer = z.object({ approvals: z.array(pendingApprovalSchema) });

const publicProviderSchema = z.object({ name: z.string(), models: z.array(z.string()), simulated: z.boolean(), fallback: z.boolean() });
/** `GET /api/health`: provider names and models for the UI; never keys or addresses. */
export const healthAnswer = z.object({
  ok: z.literal(true),
  simulated: z.boolean(),
  providers: z.array(publicProviderSchema),
  store: z.enum(['files', 'postgres']),
  /** `all` serves and executes runs, `api` only serves (server/queue/queue-config.ts). */
  role: z.enum(['all', 'api', 'worker']),
  /** Database mode: workers whose heartbeat is younger than one lease timeout (absent while the database is away). */
  workers: z.number().int().nonnegative().optional(),
});
export type Health = z.infer<typeof healthAnswer>;

/** An API key as lists show it: never the key, never its hash. */
export const keySummarySchema = z.object({
  name: z.string(),
  flows: z.array(z.string()).optional(),
  scopes: z.array(z.string()),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
});
/** `GET /api/keys` */
export const keyListAnswer = z.object({ keys: z.array(keySummarySchema) });
/** `POST /api/keys`: the key itself, shown this once. */
export const keyCreatedAnswer = z.object({ key: z.string(), summary: keySummarySchema });
