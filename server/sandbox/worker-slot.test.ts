import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox, createSandboxPool } from './create-sandbox.ts';
import type { Sandbox, SandboxResult } from './sandbox-types.ts';

/** The pool's handling of workers that misbehave, driven by fixture workers. */

const fakeWorker = new URL('./test-fixtures/fake-worker.mjs', import.meta.url);
const failingWorker = new URL('./test-fixtures/failing-worker.mjs', import.meta.url);
const opened: Sandbox[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((sandbox) => sandbox.close()));
});

function fakePool(options: Parameters<typeof createSandboxPool>[0] = {}): Sandbox {
  // The fixture workers stand in for the engine, so nothing runs in-process here.
  const sandbox = createSandboxPool({ poolSize: 1, workerEntry: fakeWorker, inProcessBudgetMs: 0, killMarginMs: () => 100, cancelGraceMs: 100, ...options });
  opened.push(sandbox);
  return sandbox;
}

function act(sandbox: Sandbox, source: string, signal?: AbortSignal): Promise<SandboxResult> {
  return sandbox.run({ source, language: 'javascript', inputs: {}, limits: { timeoutMs: 100 } }, signal);
}

async function expectServing(sandbox: Sandbox): Promise<void> {
  expect(await act(sandbox, 'echo')).toMatchObject({ ok: true, outputs: { echoed: 'echo' } });
}

describe('a worker that misbehaves is replaced', () => {
  it('terminates a worker that runs past its timeout and margin', async () => {
    const sandbox = fakePool();
    await expectServing(sandbox);
    const result = await act(sandbox, 'hang');
    expect(result).toMatchObject({ ok: false, error: { limit: 'timeout', message: 'code step exceeded its time limit of 100 ms' } });
    // Ended by the slot's kill timer (timeout plus margin), which never fires early.
    expect(result.durationMs).toBeGreaterThanOrEqual(190);
    await expectServing(sandbox);
  });

  it('cancels at once and terminates a worker that ignores the cancel', async () => {
    const sandbox = fakePool({ killMarginMs: () => 60_000 });
    await expectServing(sandbox);
    const controller = new AbortController();
    const pending = act(sandbox, 'hang', controller.signal);
    setTimeout(() => controller.abort(), 50);
    // With a kill margin of a minute, only the cancel can settle the call within the test's timeout.
    expect(await pending).toMatchObject({ ok: false, error: { message: 'cancelled' } });
    await expectServing(sandbox);
  });

  it.each([
    ['throws', 'crash', /crashed its sandbox worker \(fixture crash\)/],
    ['exits', 'exit', /crashed its sandbox worker/],
  ])('reports a worker that %s mid-call and starts another', async (_how, source, message) => {
    const sandbox = fakePool();
    await expectServing(sandbox);
    const result = await act(sandbox, source);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(message);
    await expectServing(sandbox);
  });

  it('names the memory limit when the worker heap runs out', async () => {
    const sandbox = fakePool({ resourceLimits: { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 }, killMarginMs: () => 20_000 });
    await expectServing(sandbox);
    const result = await act(sandbox, 'heap');
    expect(result).toMatchObject({ ok: false, error: { limit: 'memory' } });
    await expectServing(sandbox);
  });

  it('fails waiting calls when no worker can start', async () => {
    const sandbox = createSandboxPool({ poolSize: 1, workerEntry: failingWorker, inProcessBudgetMs: 0 });
    opened.push(sandbox);
    const result = await act(sandbox, 'echo');
    expect(result).toMatchObject({ ok: false, error: { message: expect.stringMatching(/could not start \(fixture cannot start\)/) } });
  });

  it('refuses a pool size out of range', () => {
    expect(() => createSandbox({ poolSize: 0 })).toThrow(RangeError);
    expect(() => createSandbox({ poolSize: 1.5 })).toThrow(/poolSize/);
  });
});
