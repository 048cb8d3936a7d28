import type { ConsoleLine, SandboxFailure, SandboxLimits } from './sandbox-types.ts';
import type { GuestOutcome, RunMessage, WorkerReply } from './worker-protocol.ts';

/**
 * Hand-written readers for the two messages on the hot path, accepting exactly what
 * `runMessageSchema` and `workerReplySchema` in worker-protocol.ts accept and, like them,
 * returning fresh objects with only the known keys. read-worker-message.test.ts holds
 * them to the schemas.
 *
 * Why not the schemas: on a worker that had been idle for a few milliseconds, parsing one
 * message with zod took 50-80 us, a sixth of a warm call, on each side.
 */

const LIMIT_NAMES: ReadonlySet<unknown> = new Set(['timeout', 'memory', 'stack', 'output', 'console']);
const CONSOLE_LEVELS: ReadonlySet<unknown> = new Set(['log', 'info', 'warn', 'error', 'debug']);
const LIMIT_KEYS = ['timeoutMs', 'memoryBytes', 'stackBytes', 'outputBytes', 'consoleBytes', 'consoleLines'] as const;

type Record_ = Record<string, unknown>;

function isRecord(value: unknown): value is Record_ {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** What `runMessageSchema` accepts, or undefined. */
export function readRunMessage(raw: unknown): RunMessage | undefined {
  if (!isRecord(raw) || raw['type'] !== 'run') return undefined;
  const { jobId, source, language, inputsJson, limits } = raw;
  if (!Number.isSafeInteger(jobId) || typeof source !== 'string' || typeof inputsJson !== 'string') return undefined;
  if (language !== 'javascript' && language !== 'typescript') return undefined;
  if (!isRecord(limits)) return undefined;
  const copied: Partial<SandboxLimits> = {};
  for (const key of LIMIT_KEYS) {
    const value = limits[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
    copied[key] = value;
  }
  return { type: 'run', jobId: jobId as number, source, language, inputsJson, limits: copied as SandboxLimits };
}

/** What `workerReplySchema` accepts, or undefined. */
export function readWorkerReply(raw: unknown): WorkerReply | undefined {
  if (!isRecord(raw)) return undefined;
  if (raw['type'] === 'ready') return { type: 'ready' };
  if (raw['type'] !== 'done') return undefined;
  const { jobId, logsTruncated } = raw;
  if (!Number.isSafeInteger(jobId) || typeof logsTruncated !== 'boolean') return undefined;
  const outcome = readOutcome(raw['outcome']);
  const logs = readLogs(raw['logs']);
  const logsDropped = readDropped(raw['logsDropped']);
  if (outcome === undefined || logs === undefined || logsDropped === undefined) return undefined;
  return { type: 'done', jobId: jobId as number, outcome, logs, logsTruncated, logsDropped };
}

function readDropped(raw: unknown): { lines: number; bytes: number } | undefined {
  if (!isRecord(raw)) return undefined;
  const { lines, bytes } = raw;
  if (!isCount(lines) || !isCount(bytes)) return undefined;
  return { lines, bytes };
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function readOutcome(raw: unknown): GuestOutcome | undefined {
  if (!isRecord(raw)) return undefined;
  if (raw['ok'] === true) return typeof raw['outputsJson'] === 'string' ? { ok: true, outputsJson: raw['outputsJson'] } : undefined;
  if (raw['ok'] !== false) return undefined;
  const error = readFailure(raw['error']);
  return error === undefined ? undefined : { ok: false, error };
}

function readFailure(raw: unknown): SandboxFailure | undefined {
  if (!isRecord(raw) || typeof raw['message'] !== 'string') return undefined;
  const failure: SandboxFailure = { message: raw['message'] };
  const { limit, line, column } = raw;
  if (limit !== undefined) {
    if (!LIMIT_NAMES.has(limit)) return undefined;
    failure.limit = limit as SandboxFailure['limit'];
  }
  if (line !== undefined) {
    if (!isPositiveInteger(line)) return undefined;
    failure.line = line;
  }
  if (column !== undefined) {
    if (!isPositiveInteger(column)) return undefined;
    failure.column = column;
  }
  return failure;
}

function readLogs(raw: unknown): ConsoleLine[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const logs: ConsoleLine[] = [];
  for (const line of raw as unknown[]) {
    if (!isRecord(line) || !CONSOLE_LEVELS.has(line['level']) || typeof line['text'] !== 'string') return undefined;
    logs.push({ level: line['level'] as ConsoleLine['level'], text: line['text'] });
  }
  return logs;
}

function isPositiveInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}
