import { parseOutputs } from './parse-outputs.ts';
import type { SandboxFailure, SandboxResult } from './sandbox-types.ts';
import type { WorkerReply } from './worker-protocol.ts';

export const CANCELLED: SandboxFailure = Object.freeze({ message: 'cancelled' });
export const SANDBOX_CLOSED: SandboxFailure = Object.freeze({ message: 'sandbox is closed' });

export function failedResult(error: SandboxFailure, durationMs: number): SandboxResult {
  return { ok: false, error: { ...error }, logs: [], logsTruncated: false, logsDropped: { lines: 0, bytes: 0 }, durationMs };
}

/**
 * The caller's result from a worker's answer (or an in-process run, which has the same fields);
 * the outputs JSON is parsed here, on the host.
 */
export function resultFromReply(reply: Pick<Extract<WorkerReply, { type: 'done' }>, 'logs' | 'logsTruncated' | 'logsDropped' | 'outcome'>, durationMs: number): SandboxResult {
  const { logs, logsTruncated, logsDropped, outcome } = reply;
  if (!outcome.ok) return { ok: false, error: outcome.error, logs, logsTruncated, logsDropped, durationMs };
  const parsed = parseOutputs(outcome.outputsJson);
  if (!parsed.ok) return { ok: false, error: { message: parsed.message }, logs, logsTruncated, logsDropped, durationMs };
  return { ok: true, outputs: parsed.outputs, logs, logsTruncated, logsDropped, durationMs };
}
