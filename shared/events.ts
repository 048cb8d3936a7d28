/**
 * The run event union. A run is its append-only log: `seq` counts 1, 2, 3 ... per run with no gaps,
 * and the state of a run is `events.reduce(applyEvent)` (see run-state.ts), on the server and in the browser.
 */
import { z } from 'zod';
import { flowSchema } from './flow.ts';
import { runOriginSchema } from './run-origin.ts';

const base = {
  runId: z.string().min(1),
  seq: z.number().int().min(1),
  at: z.string(),
};

export const stepErrorSchema = z.object({
  message: z.string(),
  /** Stable code, e.g. `timeout`, `budget`, `port-type`, `schema`, `provider`, `sandbox-limit`, `interrupted`, `cancelled`. */
  code: z.string(),
  retryable: z.boolean().optional(),
});
export type StepError = z.infer<typeof stepErrorSchema>;

export const chatMessageSchema = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });

/** A flow a run may call (through a subflow or map node), pinned when the run starts. */
export const pinnedFlowSchema = z.object({ flowHash: z.string(), flow: flowSchema });
export type PinnedFlowEntry = z.infer<typeof pinnedFlowSchema>;

export const runEventUnion = z.discriminatedUnion('type', [
  z.object({
    ...base,
    type: z.literal('run.started'),
    flowId: z.string(),
    flowHash: z.string(),
    flow: flowSchema,
    inputs: z.record(z.string(), z.unknown()),
    /** Every flow the run may call, by id, pinned at start: editing one during the run changes nothing in it. */
    flows: z.record(z.string(), pinnedFlowSchema).optional(),
    /** A child run: the run, and the step of it, that started this one. */
    parentRunId: z.string().optional(),
    parentNodeId: z.string().optional(),
    /** A map's child: which item. */
    itemIndex: z.number().int().min(0).optional(),
    /** How deeply this run nests (a top-level run's child is 1). */
    depth: z.number().int().min(1).optional(),
    /** What started the run (designer, CLI, invoke, schedule, replay, what-if). */
    origin: runOriginSchema.optional(),
  }),
  z.object({ ...base, type: z.literal('step.started'), nodeId: z.string(), attempt: z.number().int().min(1), inputs: z.record(z.string(), z.unknown()) }),
  z.object({ ...base, type: z.literal('step.prompt'), nodeId: z.string(), model: z.string(), simulated: z.boolean(), messages: z.array(chatMessageSchema) }),
  z.object({ ...base, type: z.literal('step.delta'), nodeId: z.string(), text: z.string() }),
  z.object({
    ...base,
    type: z.literal('step.cost'),
    nodeId: z.string(),
    model: z.string(),
    inputTokens: z.number().int().min(0),
    outputTokens: z.number().int().min(0),
    cachedInputTokens: z.number().int().min(0).optional(),
    /** What the cached prompt tokens saved against the full input price (absent when unpriced or none were cached). */
    cachedSavingUsd: z.number().min(0).optional(),
    /** null when the model has no known price: shown as unpriced, never as $0. */
    usd: z.number().min(0).nullable(),
    final: z.boolean(),
    simulated: z.boolean(),
    /** The reply was taken from this earlier run's log at $0 (a what-if's steps before the change, a replay's), not sent to a model. */
    reusedFrom: z.string().optional(),
  }),
  /** A running step waits for a shared resource (a sandbox worker) when queued, and has it when not; queue time never counts against its time limit. */
  z.object({ ...base, type: z.literal('step.queue'), nodeId: z.string(), queued: z.boolean() }),
  z.object({ ...base, type: z.literal('step.log'), nodeId: z.string(), level: z.enum(['log', 'info', 'warn', 'error', 'debug']), text: z.string() }),
  /** `request`: what the step waits for, in the shape its kind declares (shared/kinds/<kind>.ts, `wait.requestSchema`). */
  z.object({ ...base, type: z.literal('step.waiting'), nodeId: z.string(), request: z.unknown() }),
  /** A step started (or, after a restart, went back to) a child run: the other half of the child's `parentRunId`. */
  z.object({ ...base, type: z.literal('step.child'), nodeId: z.string(), childRunId: z.string(), flowId: z.string(), itemIndex: z.number().int().min(0).optional() }),
  /** How far a step over many items is: child runs done, failed, and in all. */
  z.object({ ...base, type: z.literal('step.progress'), nodeId: z.string(), done: z.number().int().min(0), failed: z.number().int().min(0), total: z.number().int().min(0) }),
  /** `answer`: what ended the wait, checked against its kind's `wait.answerSchema` before it was recorded. */
  z.object({ ...base, type: z.literal('step.decided'), nodeId: z.string(), by: z.string(), answer: z.unknown() }),
  z.object({
    ...base,
    type: z.literal('step.succeeded'),
    nodeId: z.string(),
    outputs: z.record(z.string(), z.unknown()),
    /** What an output node contributes to the run's result. */
    result: z.record(z.string(), z.unknown()).optional(),
    durationMs: z.number().min(0),
  }),
  z.object({ ...base, type: z.literal('step.failed'), nodeId: z.string(), error: stepErrorSchema, durationMs: z.number().min(0).optional() }),
  z.object({ ...base, type: z.literal('step.skipped'), nodeId: z.string(), reason: z.string() }),
  z.object({ ...base, type: z.literal('step.cancelled'), nodeId: z.string() }),
  z.object({ ...base, type: z.literal('run.succeeded'), outputs: z.record(z.string(), z.unknown()), costUsd: z.number().min(0) }),
  z.object({ ...base, type: z.literal('run.failed'), error: stepErrorSchema.extend({ nodeId: z.string().optional() }), costUsd: z.number().min(0) }),
  z.object({ ...base, type: z.literal('run.cancelled'), costUsd: z.number().min(0), by: z.string().optional() }),
]);

/**
 * Logs written before waits were generic hold an approval's decision spread over the event
 * (`{decision, by, comment?, payload?, edited}`); it reads as the approval's answer.
 */
export function migrateLegacyEvent(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const event = value as Record<string, unknown>;
  if (event.type !== 'step.decided' || Object.hasOwn(event, 'answer') || typeof event.decision !== 'string') return value;
  const { decision, comment, payload, edited, ...rest } = event;
  return { ...rest, answer: { decision, ...(comment !== undefined ? { comment } : {}), ...(edited === true ? { payload } : {}) } };
}

/** A run event as stored and sent; older logs are read through `migrateLegacyEvent`. */
export const runEventSchema = z.preprocess(migrateLegacyEvent, runEventUnion);

export type RunEvent = z.infer<typeof runEventUnion>;
export type RunEventType = RunEvent['type'];
export type EventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;
/** An event before the log gives it its runId, seq and time. */
export type RunEventBody = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 'runId' | 'seq' | 'at'> : never) : never;

export const TERMINAL_RUN_EVENTS = new Set<RunEventType>(['run.succeeded', 'run.failed', 'run.cancelled']);

export function isTerminal(event: RunEvent): boolean {
  return TERMINAL_RUN_EVENTS.has(event.type);
}

/** Closes a switch over a union: a new member that is not handled does not compile. */
export function exhaustive(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
