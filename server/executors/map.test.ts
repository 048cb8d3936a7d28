/** The map kind in the engine, with child runs in memory: order, concurrency, failures, progress. */
import { describe, expect, it } from 'vitest';
import { foldEvents } from '../../shared/run-state.ts';
import { InMemoryChildRuns } from '../child-runs/in-memory-child-runs.ts';
import { mapParent, prepared, shoutFlow } from '../child-runs/testing/compose-flows.ts';
import type { ExecutorLookup, StepContext } from '../engine/executor.ts';
import { startRun } from '../engine/index.ts';
import { deferred, harness, type Behaviour } from '../engine/testing/engine-harness.ts';
import { mapExecutor } from './map.ts';
import { subflowExecutor } from './subflow.ts';

function composed(upper: Behaviour) {
  const h = harness({ upper });
  const executors = { ...(h.options.executors as Record<string, never>), subflow: subflowExecutor, map: mapExecutor } as ExecutorLookup;
  const children = new InMemoryChildRuns({ executors, services: {} });
  return { h, children, options: { ...h.options, executors, services: { children } } };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('map: one child run per item', () => {
  it('gives each item to the child, with the shared inputs, and the results in item order', async () => {
    // Items finish in reverse order: results still come back in item order.
    const gates = [deferred(), deferred(), deferred()];
    const { h, children, options } = composed(async (context: StepContext) => {
      const text = String(context.inputs.text);
      await gates[['a', 'b', 'c'].indexOf(text)]!.promise;
      return { shout: `${text.toUpperCase()}${String(context.inputs.suffix)}` };
    });
    const { flow, link } = await prepared(mapParent({ concurrency: 3 }), [shoutFlow()]);
    const run = startRun('run-map', flow, { texts: ['a', 'b', 'c'], suffix: '!' }, options, link);
    await until(() => children.children.size === 3);
    gates[2]!.resolve();
    gates[1]!.resolve();
    gates[0]!.resolve();
    expect(await run.finished()).toBe('succeeded');
    expect(h.of('run.succeeded')[0]!.outputs).toEqual({ results: [{ shout: 'A!' }, { shout: 'B!' }, { shout: 'C!' }] });
    const step = foldEvents(h.events).steps.each!;
    expect(step.children!.map((child) => child.itemIndex)).toEqual([0, 1, 2]);
    expect(new Set(step.children!.map((child) => child.runId)).size).toBe(3);
    expect(step.progress).toEqual({ done: 3, failed: 0, total: 3 });
    for (const [id, child] of children.children) expect(child.events[0]).toMatchObject({ runId: id, parentRunId: 'run-map', parentNodeId: 'each' });
  });

  it('runs at most `concurrency` child runs at once', async () => {
    let running = 0;
    let most = 0;
    const gates = Array.from({ length: 6 }, () => deferred());
    const { h, options } = composed(async (context: StepContext) => {
      running++;
      most = Math.max(most, running);
      await gates[Number(context.inputs.text)]!.promise;
      running--;
      return { shout: String(context.inputs.text) };
    });
    const { flow, link } = await prepared(mapParent({ concurrency: 2 }), [shoutFlow()]);
    const run = startRun('run-bounded', flow, { texts: ['0', '1', '2', '3', '4', '5'], suffix: '' }, options, link);
    for (let index = 0; index < 6; index++) {
      const started = Math.min(index + 2, 6);
      await until(() => (h.calls.get('upper') ?? 0) >= started);
      // Two run; the next item waits until one of them ends.
      expect(h.calls.get('upper')).toBe(started);
      expect(running).toBe(Math.min(2, 6 - index));
      gates[index]!.resolve();
    }
    expect(await run.finished()).toBe('succeeded');
    expect(most).toBe(2);
    const progress = h.of('step.progress').map((event) => `${event.done}/${event.total}`);
    expect(progress).toEqual(['0/6', '1/6', '2/6', '3/6', '4/6', '5/6', '6/6']);
  });

  it('with onItemFailure "continue", collects failures and leaves null in their place', async () => {
    const { h, options } = composed((context) => {
      if (context.inputs.text === 'bad') throw new Error('cannot shout that');
      return { shout: String(context.inputs.text) };
    });
    const { flow, link } = await prepared(mapParent({ onItemFailure: 'continue' }), [shoutFlow()]);
    const run = startRun('run-continue', flow, { texts: ['ok', 'bad', 'fine'], suffix: '' }, options, link);
    expect(await run.finished()).toBe('succeeded');
    const outputs = h.of('run.succeeded')[0]!.outputs as { results: unknown[]; failures: Array<{ index: number; error: string }> };
    expect(outputs.results).toEqual([{ shout: 'ok' }, null, { shout: 'fine' }]);
    expect(outputs.failures).toEqual([{ index: 1, error: expect.stringMatching(/^child run run-c[0-9a-f]+ of flow "shout" failed at upper: .*cannot shout that/) }]);
    expect(foldEvents(h.events).steps.each!.progress).toEqual({ done: 2, failed: 1, total: 3 });
  });

  it('with onItemFailure "fail", the first failure cancels the items still running and fails the step', async () => {
    const hold = deferred();
    const { h, children, options } = composed(async (context: StepContext) => {
      if (context.inputs.text === 'bad') throw new Error('cannot shout that');
      await hold.promise;
      return { shout: String(context.inputs.text) };
    });
    const { flow, link } = await prepared(mapParent({ concurrency: 2 }), [shoutFlow()]);
    const run = startRun('run-fail', flow, { texts: ['slow', 'bad', 'never'], suffix: '' }, options, link);
    expect(await run.finished()).toBe('failed');
    expect(h.of('step.failed')[0]!.error).toMatchObject({ code: 'item-failed', message: expect.stringMatching(/^item 1 failed: child run/) });
    const slow = [...children.children.values()].find((child) => child.state.inputs.text === 'slow')!;
    expect(await slow.handle.finished()).toBe('cancelled');
    // The third item never started.
    expect([...children.children.values()].some((child) => child.state.inputs.text === 'never')).toBe(false);
  });
});
