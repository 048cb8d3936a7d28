import { z } from 'zod';
import { formatBytes, limitMessage, resolveLimits, utf8LengthOver } from './sandbox-limits.ts';
import type { SandboxFailure, SandboxLimits } from './sandbox-types.ts';
import type { RunMessage } from './worker-protocol.ts';

export const MAX_SOURCE_BYTES = 1024 * 1024;
/** Inputs are parsed inside the sandbox, where they take several times their JSON size. */
const INPUTS_SHARE_OF_MEMORY = 4;

const requestSchema = z.object({
  source: z.string({ error: 'code step source must be a string' }),
  language: z.enum(['javascript', 'typescript'], { error: 'code step language must be "javascript" or "typescript"' }),
  inputs: z.unknown().optional(),
  limits: z.unknown().optional(),
});

export type PreparedRequest =
  | { ok: true; message: Omit<RunMessage, 'jobId'>; limits: SandboxLimits }
  | { ok: false; error: SandboxFailure };

/** Checks a request on the host and serialises its inputs; nothing here runs user code. */
export function prepareRequest(request: unknown): PreparedRequest {
  const parsed = requestSchema.safeParse(request);
  if (!parsed.success) return refuse(parsed.error.issues[0]?.message ?? 'invalid code step request');
  const { source, language, inputs } = parsed.data;
  if (utf8LengthOver(source, MAX_SOURCE_BYTES)) return refuse(`code step source is larger than ${formatBytes(MAX_SOURCE_BYTES)}`);
  const limits = resolveLimits(parsed.data.limits);
  if ('error' in limits) return refuse(limits.error);
  if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) return refuse('code step inputs must be an object');
  let inputsJson: string;
  try {
    inputsJson = JSON.stringify(inputs);
  } catch (error) {
    return refuse(`code step inputs must be JSON-serialisable (${error instanceof Error ? error.message : String(error)})`);
  }
  if (utf8LengthOver(inputsJson, limits.memoryBytes / INPUTS_SHARE_OF_MEMORY)) {
    const inputsBytes = Buffer.byteLength(inputsJson, 'utf8');
    const detail = `its inputs are ${formatBytes(inputsBytes)} of JSON, more than a quarter of it`;
    return { ok: false, error: { message: limitMessage('memory', limits, detail), limit: 'memory' } };
  }
  return { ok: true, message: { type: 'run', source, language, inputsJson, limits }, limits };
}

function refuse(message: string): PreparedRequest {
  return { ok: false, error: { message } };
}
