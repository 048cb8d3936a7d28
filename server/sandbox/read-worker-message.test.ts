import { describe, expect, it } from 'vitest';
import { readRunMessage, readWorkerReply } from './read-worker-message.ts';
import { DEFAULT_SANDBOX_LIMITS } from './sandbox-limits.ts';

/** The readers accept exactly the protocol's messages and return only their known keys. */

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

const acceptedRuns: Array<[unknown, unknown]> = [
  [RUN, RUN],
  [{ ...RUN, language: 'javascript', extra: 'dropped' }, { ...RUN, language: 'javascript' }],
  [{ ...RUN, limits: { ...RUN.limits, unknown: 1 } }, RUN],
];

const refusedRuns: unknown[] = [
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

const acceptedReplies: Array<[unknown, unknown]> = [
  [{ type: 'ready' }, { type: 'ready' }],
  [{ type: 'ready', extra: true }, { type: 'ready' }],
  [DONE, DONE],
  [FAILED, FAILED],
  [{ ...DONE, logs: [], extra: 1 }, { ...DONE, logs: [] }],
  [{ ...DONE, outcome: { ok: true, outputsJson: '{}', extra: 1 } }, { ...DONE, outcome: { ok: true, outputsJson: '{}' } }],
  [{ ...DONE, logs: [{ level: 'log', text: 'a', extra: 1 }] }, { ...DONE, logs: [{ level: 'log', text: 'a' }] }],
  [{ ...FAILED, outcome: { ok: false, error: { message: 'only a message' } } }, { ...FAILED, outcome: { ok: false, error: { message: 'only a message' } } }],
  [{ ...FAILED, outcome: { ok: false, error: { message: 'm', extra: 'dropped' } } }, { ...FAILED, outcome: { ok: false, error: { message: 'm' } } }],
  [{ ...DONE, jobId: -1 }, { ...DONE, jobId: -1 }],
];

const refusedReplies: unknown[] = [
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
  { ...DONE, jobId: Number.NaN },
  { type: 'other' },
  null,
  42,
  [DONE],
];

describe('readRunMessage', () => {
  it.each(acceptedRuns.map(([value, read], index) => [index, value, read]))('accepts run message %i, with only its known keys', (_index, value, read) => {
    expect(readRunMessage(value)).toEqual(read);
  });
  it.each(refusedRuns.map((value, index) => [index, value]))('refuses malformed run message %i', (_index, value) => {
    expect(readRunMessage(value)).toBeUndefined();
  });
});

describe('readWorkerReply', () => {
  it.each(acceptedReplies.map(([value, read], index) => [index, value, read]))('accepts reply %i, with only its known keys', (_index, value, read) => {
    expect(readWorkerReply(value)).toEqual(read);
  });
  it.each(refusedReplies.map((value, index) => [index, value]))('refuses malformed reply %i', (_index, value) => {
    expect(readWorkerReply(value)).toBeUndefined();
  });

  it('returns fresh objects, so nothing unknown reaches the caller', () => {
    const raw = { ...FAILED, outcome: { ok: false, error: { message: 'm', limit: 'memory', secret: 1 } } };
    const reply = readWorkerReply(raw);
    expect(reply).toEqual({ ...FAILED, outcome: { ok: false, error: { message: 'm', limit: 'memory' } } });
    expect(reply?.type === 'done' && !reply.outcome.ok && reply.outcome.error).not.toBe(raw.outcome.error);
  });
});
