import { z } from 'zod';
import type { SandboxFailure, SandboxLimits } from './sandbox-types.ts';

/**
 * Messages between the pool (main thread) and a sandbox worker. Only strings, numbers
 * and plain records cross; the outputs travel as the JSON text produced inside QuickJS.
 */
export interface RunMessage {
  type: 'run';
  jobId: number;
  source: string;
  language: 'javascript' | 'typescript';
  inputsJson: string;
  limits: SandboxLimits;
}

export type GuestOutcome = { ok: true; outputsJson: string } | { ok: false; error: SandboxFailure };

/** Data a worker needs at start-up: where the host writes the id of a job to cancel. */
export interface WorkerStartData {
  cancelBuffer: SharedArrayBuffer;
}

/** The contract, as schemas; both sides read messages with them (read-worker-message.ts). */
const limitNameSchema = z.enum(['timeout', 'memory', 'stack', 'output', 'console']);
const consoleLineSchema = z.object({
  level: z.enum(['log', 'info', 'warn', 'error', 'debug']),
  text: z.string(),
});
const failureSchema = z.object({
  message: z.string(),
  limit: limitNameSchema.optional(),
  line: z.number().int().positive().optional(),
  column: z.number().int().positive().optional(),
});
const outcomeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), outputsJson: z.string() }),
  z.object({ ok: z.literal(false), error: failureSchema }),
]);

export const workerReplySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({
    type: z.literal('done'),
    jobId: z.number().int(),
    outcome: outcomeSchema,
    logs: z.array(consoleLineSchema),
    logsTruncated: z.boolean(),
    /** What the console caps left out: whole lines, and UTF-8 bytes of text. */
    logsDropped: z.object({ lines: z.number().int().min(0), bytes: z.number().int().min(0) }),
  }),
]);
export type WorkerReply = z.infer<typeof workerReplySchema>;

const limitsSchema = z.object({
  timeoutMs: z.number(),
  memoryBytes: z.number(),
  stackBytes: z.number(),
  outputBytes: z.number(),
  consoleBytes: z.number(),
  consoleLines: z.number(),
});

export const runMessageSchema = z.object({
  type: z.literal('run'),
  jobId: z.number().int(),
  source: z.string(),
  language: z.enum(['javascript', 'typescript']),
  inputsJson: z.string(),
  limits: limitsSchema,
});
