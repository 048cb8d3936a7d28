import { describe, expect, it } from 'vitest';
import { prepareRequest } from './prepare-request.ts';
import { DEFAULT_SANDBOX_LIMITS, formatBytes, limitMessage, resolveLimits } from './sandbox-limits.ts';

describe('resolveLimits', () => {
  it('merges overrides over the defaults', () => {
    expect(resolveLimits(undefined)).toEqual(DEFAULT_SANDBOX_LIMITS);
    expect(resolveLimits({ timeoutMs: 200 })).toEqual({ ...DEFAULT_SANDBOX_LIMITS, timeoutMs: 200 });
  });

  it.each([
    [{ timeoutMs: 0 }, /timeoutMs must be a whole number from 1/],
    [{ memoryBytes: 1024 }, /memoryBytes/],
    [{ stackBytes: 64 * 1024 * 1024 }, /stackBytes/],
    [{ outputBytes: 1.5 }, /outputBytes/],
    [{ consoleBytes: Number.NaN }, /consoleBytes/],
    [{ timeoutMs: '5' }, /timeoutMs/],
    [{ memory: 1 }, /unknown code step limit "memory"/],
    ['fast', /must be an object/],
  ])('refuses %j', (overrides, message) => {
    const resolved = resolveLimits(overrides);
    expect('error' in resolved && resolved.error).toMatch(message);
  });
});

describe('limit messages', () => {
  it('name the limit and its size', () => {
    expect(formatBytes(32 * 1024 * 1024)).toBe('32 MiB');
    expect(formatBytes(512 * 1024)).toBe('512 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(100)).toBe('100 bytes');
    const limits = { ...DEFAULT_SANDBOX_LIMITS, timeoutMs: 200 };
    expect(limitMessage('timeout', limits)).toBe('code step exceeded its time limit of 200 ms');
    expect(limitMessage('memory', limits)).toBe('code step exceeded its memory limit of 32 MiB');
    expect(limitMessage('stack', limits)).toBe('code step exceeded its stack limit of 512 KiB (too much recursion)');
    expect(limitMessage('output', limits)).toBe('code step output is larger than 1 MiB');
  });
});

describe('prepareRequest', () => {
  it('serialises the inputs on the host', () => {
    const prepared = prepareRequest({ source: 'export default () => ({})', language: 'typescript', inputs: { a: [1] } });
    expect(prepared).toMatchObject({ ok: true, message: { type: 'run', language: 'typescript', inputsJson: '{"a":[1]}' } });
  });

  it.each([
    [null, /invalid|expected object/i],
    [{ source: 1, language: 'javascript', inputs: {} }, /source must be a string/],
    [{ source: '', language: 'javascript', inputs: [] }, /inputs must be an object/],
    [{ source: 'x'.repeat(1024 * 1024 + 1), language: 'javascript', inputs: {} }, /larger than 1 MiB/],
    [{ source: '', language: 'javascript', inputs: { big: 'b'.repeat(9 * 1024 * 1024) } }, /memory limit of 32 MiB \(its inputs are/],
  ])('refuses %#', (request, message) => {
    const prepared = prepareRequest(request);
    expect(prepared.ok).toBe(false);
    if (!prepared.ok) expect(prepared.error.message).toMatch(message);
  });
});
