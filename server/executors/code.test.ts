/**
 * Code steps through the real engine, executors and sandbox pool: runs share the pool fairly,
 * waiting for a worker never counts against a step's time limit, and a step's console is capped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import type { Flow, FlowNode } from '../../shared/flow.ts';
import { foldEvents } from '../../shared/run-state.ts';
import { startRun } from '../engine/index.ts';
import { field, flowOf, nodes } from '../engine/testing/engine-harness.ts';
import type { SandboxService } from '../engine/services.ts';
import { createRuntimeServices, type RuntimeServices } from '../runtime-services.ts';
import { executors } from './index.ts';

let runtime: RuntimeServices;
/** The owner (run id) of each call, in the order the calls reached a worker. */
const starts: string[] = [];
let waitForStarts: { count: number; resolve: () => void } | undefined;
let sandbox: SandboxService;

beforeAll(async () => {
  runtime = await createRuntimeServices({ env: { WEFT_SANDBOX_WORKERS: '2' }, simulatedChunkDelayMs: 0 });
  const real = runtime.services.sandbox!;
  // The real pool, watched: records which run each call that reaches a worker belongs to.
  sandbox = {
    run: (request, signal) =>
      real.run(
        {
          ...request,
          onStart: () => {
            starts.push(request.owner ?? '');
            request.onStart?.();
            if (waitForStarts !== undefined && starts.length >= waitForStarts.count) waitForStarts.resolve();
          },
        },
        signal,
      ),
  };
});
afterAll(async () => {
  await runtime.close();
});

function startsReached(count: number): Promise<void> {
  return new Promise((resolve) => {
    waitForStarts = { count, resolve };
    if (starts.length >= count) resolve();
  });
}

function codeNode(id: string, source: string, timeoutMs: number): FlowNode {
  return nodes.code(id, [], [field('done', 'boolean')], { source, timeoutMs });
}

function runFlow(runId: string, flow: Flow) {
  const events: RunEvent[] = [];
  const handle = startRun(runId, flow, {}, { executors, services: { ...runtime.services, sandbox }, onEvent: (event) => events.push(event) });
  return { handle, events };
}

/** Busy for 4 s of its 8 s limit, then succeeds. */
const BUSY = 'export default () => { const end = Date.now() + 4000; while (Date.now() < end) {} return { done: true } }';

describe('code steps share the sandbox pool fairly', () => {
  it("runs another run's short step while one run spins on every worker, and its wait does not count against its limit", async () => {
    starts.length = 0;
    // Three steps busy for 4 s each; the pool has two workers.
    const busy = runFlow('busy', flowOf(['a', 'b', 'c'].map((id) => codeNode(id, BUSY, 8000)), []));
    await startsReached(2);
    // This step's own limit (1 s, plus the step's 2 s grace) is shorter than its wait for a worker.
    // Longer than the sandbox's in-process budget (2 ms), so it needs a worker like the busy steps.
    const short = 'export default () => { const end = Date.now() + 20; while (Date.now() < end) {} return { done: true } }';
    const quick = runFlow('quick', flowOf([codeNode('one', short, 1000)], []));
    expect(await quick.handle.settled()).toBe('succeeded');
    busy.handle.cancel();
    await busy.handle.settled();

    const state = foldEvents(quick.events);
    expect(state.steps.one).toMatchObject({ status: 'succeeded', outputs: { done: true } });
    expect(state.steps.one!.queued).toBeUndefined();
    // It waited, and said so.
    expect(quick.events.filter((event) => event.type === 'step.queue').map((event) => event.queued)).toEqual([true, false]);
    // The first worker to come free went to the run with nothing running, not to the busy run's third step.
    expect(starts.slice(0, 3)).toEqual(['busy', 'busy', 'quick']);
    expect(foldEvents(busy.events).steps.a).toMatchObject({ status: 'succeeded' });
  }, 30_000);
});

describe("a code step's console is capped", () => {
  it('keeps the first 1,000 lines and adds one warning saying how much was dropped', async () => {
    const source = "export default () => { for (let i = 0; i < 5000; i++) console.log('line ' + i); return { done: true } }";
    const { handle, events } = runFlow('chatty', flowOf([codeNode('talk', source, 5000)], []));
    expect(await handle.settled()).toBe('succeeded');
    const logs = events.filter((event) => event.type === 'step.log');
    expect(logs).toHaveLength(1001);
    expect(logs.slice(0, 1000).map((event) => event.text)).toEqual(Array.from({ length: 1000 }, (_, index) => `line ${index}`));
    // 'line 1000' .. 'line 4999': 4,000 lines of 9 bytes.
    expect(logs[1000]).toMatchObject({ level: 'warn', text: "[console output over the step's cap of 1000 lines or 256 KiB: 4000 more lines (35.2 KiB of text) dropped]" });
  });
});

describe("a code step's own time limit", () => {
  it('fails the step when a call that reached a worker never answers, counting from when it started', async () => {
    let queuedFor: (() => void) | undefined;
    // A sandbox that keeps the call queued until the test lets it start, then never answers.
    const stuck: SandboxService = {
      run: (request, signal) => {
        request.onQueued?.();
        queuedFor = () => request.onStart?.();
        const made = typeof signal === 'function' ? signal() : signal;
        return new Promise((resolve) => made?.addEventListener('abort', () => resolve({ ok: false, error: { message: 'cancelled' }, logs: [], logsTruncated: false, logsDropped: { lines: 0, bytes: 0 } })));
      },
    };
    const events: RunEvent[] = [];
    const flow = flowOf([codeNode('hang', 'export default () => ({})', 10)], []);
    const handle = startRun('stuck', flow, {}, { executors, services: { sandbox: stuck }, onEvent: (event) => events.push(event) });
    // Queued, the step has no clock running: it stays running past its whole-step limit (2,010 ms).
    // Timers fire in the order they fall due, so a clock started with the step would have fired first.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(handle.status).toBe('running');
    queuedFor!();
    expect(await handle.settled()).toBe('failed');
    expect(events.filter((event) => event.type === 'step.queue').map((event) => event.queued)).toEqual([true, false]);
    expect(foldEvents(events).steps.hang!.error).toEqual({ code: 'timeout', message: 'step "hang" timed out after 2010 ms' });
  });
});

describe('a code step whose call finishes at once', () => {
  it('hands the sandbox a signal maker and makes no signal for a call that finishes in-process', async () => {
    let makers = 0;
    let made = 0;
    // A sandbox that answers at once, as an in-process call does: it starts and finishes before returning.
    const immediate: SandboxService = {
      run: (request, signal) => {
        if (typeof signal === 'function') makers += 1;
        request.onStart?.();
        return Promise.resolve({ ok: true, outputs: { done: true }, logs: [], logsTruncated: false, logsDropped: { lines: 0, bytes: 0 } });
      },
    };
    const watched: SandboxService = {
      run: (request, signal) =>
        immediate.run(request, typeof signal === 'function' ? () => ((made += 1), signal()) : signal),
    };
    const flow = flowOf([codeNode('fast', 'export default () => ({ done: true })', 1000)], []);
    const handle = startRun('immediate', flow, {}, { executors, services: { sandbox: watched }, onEvent: () => undefined });
    expect(await handle.settled()).toBe('succeeded');
    expect(makers).toBe(1);
    expect(made).toBe(0);
  });
});
