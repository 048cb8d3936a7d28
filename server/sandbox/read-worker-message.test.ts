import { describe, expect, it } from 'vitest';
import { readRunMessage, readWorkerReply } from './read-worker-message.ts';
import { DEFAULT_SANDBOX_LIMITS } from './sandbox-limits.ts';
import { runMessageSchema, workerReplySchema } from './worker-protocol.ts';

/** The hand-written readers must accept and return exactly what the zod schemas do. */

const RUN = {
  type: 'run',
  jobId: 7,
  source: 'export default () => ({})',
  language: 'typescript',
  inputsJson: '{}',
  limits: { ...DEFAULT_SANDBOX_LIMITS },
};
const DONE = {
  type: 'done',
  jobId: 7,
  outcome: { ok: true, outputsJson: '{"y":1}' },
  logs: [{ level: 'warn', text: 'careful' }],
  logsTruncated: false,
  logsDropped: { lines: 0, bytes: 0 },
};
const FAILED = { ...DONE, outcome: { ok: false, error: { message: 'boom', limit: 'stack', line: 3, column: 9 } } };

const runCases: unknown[] = [
  RUN,
  { ...RUN, language: 'javascript', extra: 'dropped' },
  { ...RUN, limits: { ...RUN.limits, unknown: 1 } },
  { ...RUN, language: 'python' },
  { ...RUN, type: 'done' },
  { ...RUN, jobId: 1.5 },
  { ...RUN, jobId: 2 ** 60 },
  { ...RUN, jobId: '7' },
  { ...RUN, source: 42 },
  { ...RUN, inputsJson: undefined },
  { ...RUN, limits: { ...RUN.limits, timeoutMs: Number.NaN } },
  { ...RUN, limits: { ...RUN.limits, memoryBytes: Number.POSITIVE_INFINITY } },
  { ...RUN, limits: { ...RUN.limits, stackBytes: '1' } },
  { ...RUN, limits: { timeoutMs: 1 } },
  { ...RUN, limits: null },
  { ...RUN, limits: [] },
  null,
  'run',
  [],
  {},
];

const replyCases: unknown[] = [
  { type: 'ready' },
  { type: 'ready', extra: true },
  DONE,
  FAILED,
  { ...DONE, logs: [], extra: 1 },
  { ...DONE, outcome: { ok: true, outputsJson: '{}', extra: 1 } },
  { ...DONE, logs: [{ level: 'log', text: 'a', extra: 1 }] },
  { ...FAILED, outcome: { ok: false, error: { message: 'only a message' } } },
  { ...FAILED, outcome: { ok: false, error: { message: 'm', extra: 'dropped' } } },
  { ...FAILED, outcome: { ok: false, error: { message: 'm', limit: 'disk' } } },
  { ...FAILED, outcome: { ok: false, error: { message: 'm', line: 0 } } },
  { ...FAILED, outcome: { ok: false, error: { message: 'm', column: 1.5 } } },
  { ...FAILED, outcome: { ok: false, error: { message: 'm', line: '3' } } },
  { ...FAILED, outcome: { ok: false, error: { limit: 'memory' } } },
  { ...FAILED, outcome: { ok: false } },
  { ...DONE, outcome: { ok: true } },
  { ...DONE, outcome: { ok: 'yes', outputsJson: '{}' } },
  { ...DONE, outcome: null },
  { ...DONE, logs: [{ level: 'trace', text: 'a' }] },
  { ...DONE, logs: [{ level: 'log' }] },
  { ...DONE, logs: [null] },
  { ...DONE, logs: {} },
  { ...DONE, logsTruncated: 'no' },
  { ...DONE, logsDropped: undefined },
  { ...DONE, logsDropped: { lines: -1, bytes: 0 } },
  { ...DONE, logsDropped: { lines: 1, bytes: 0.5 } },
  { ...DONE, jobId: -1 },
  { ...DONE, jobId: Number.NaN },
  { type: 'other' },
  null,
  42,
  [DONE],
];

describe('readRunMessage', () => {
  it.each(runCases.map((value, index) => [index, value]))('agrees with runMessageSchema on case %i', (_index, value) => {
    const parsed = runMessageSchema.safeParse(value);
    expect(readRunMessage(value)).toEqual(parsed.success ? parsed.data : undefined);
  });
});

describe('readWorkerReply', () => {
  it.each(replyCases.map((value, index) => [index, value]))('agrees with workerReplySchema on case %i', (_index, value) => {
    const parsed = workerReplySchema.safeParse(value);
    expect(readWorkerReply(value)).toEqual(parsed.success ? parsed.data : undefined);
  });

  it('returns fresh objects, so nothing unknown reaches the caller', () => {
    const raw = { ...FAILED, outcome: { ok: false, error: { message: 'm', limit: 'memory', secret: 1 } } };
    const reply = readWorkerReply(raw);
    expect(reply).toEqual({ ...FAILED, outcome: { ok: false, error: { message: 'm', limit: 'memory' } } });
    expect(reply?.type === 'done' && !reply.outcome.ok && reply.outcome.error).not.toBe(raw.outcome.error);
  });
});
