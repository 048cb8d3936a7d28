/**
 * The subflow kind in the engine, with child runs in memory: its own run id and log linked both
 * ways, its result, its cost rolled up while it streams, its spending bounded by the parent's
 * budget, and cancellation passed down.
 */
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import { foldEvents } from '../../shared/run-state.ts';
import { InMemoryChildRuns } from '../child-runs/in-memory-child-runs.ts';
import { prepared, shoutFlow, subflowParent } from '../child-runs/testing/compose-flows.ts';
import type { ExecutorLookup, StepContext } from '../engine/executor.ts';
import { startRun } from '../engine/index.ts';
import { deferred, harness, type Behaviour } from '../engine/testing/engine-harness.ts';
import { approvalExecutor } from './approval.ts';
import { mapExecutor } from './map.ts';
import { subflowExecutor } from './subflow.ts';

export const shout: Behaviour = (context) => ({ shout: `${String(context.inputs.text).toUpperCase()}${String(context.inputs.suffix)}` });

function composed(behaviours: Record<string, Behaviour> = { upper: shout }) {
  const h = harness(behaviours);
  const executors: ExecutorLookup = { ...(h.options.executors as Record<string, never>), subflow: subflowExecutor, map: mapExecutor, approval: approvalExecutor } as ExecutorLookup;
  const childEvents: RunEvent[] = [];
  const children = new InMemoryChildRuns({ executors, services: {}, onEvent: (event) => childEvents.push(event) });
  const options = { ...h.options, executors, services: { children } };
  return { h, children, childEvents, options };
}

describe('subflow: a child run of its own', () => {
  it('runs the child with its own id and log, linked both ways, and gives back its result', async () => {
    const { h, children, childEvents, options } = composed();
    const { flow, link } = await prepared(subflowParent(), [shoutFlow()]);
    const run = startRun('run-parent', flow, { text: 'hi' }, options, link);
    expect(await run.finished()).toBe('succeeded');
    expect(h.of('run.succeeded')[0]!.outputs).toEqual({ shout: 'HIhi' });

    const named = h.of('step.child');
    expect(named).toEqual([expect.objectContaining({ nodeId: 'call', flowId: 'shout' })]);
    const childId = named[0]!.childRunId;
    expect(childId).not.toBe('run-parent');
    expect([...children.children.keys()]).toEqual([childId]);
    expect(childEvents.every((event) => event.runId === childId)).toBe(true);
    expect(childEvents[0]).toMatchObject({ type: 'run.started', flowId: 'shout', parentRunId: 'run-parent', parentNodeId: 'call', depth: 1 });
    expect(childEvents.at(-1)).toMatchObject({ type: 'run.succeeded', outputs: { shout: 'HIhi' } });
    expect(foldEvents(h.events).steps.call!.children).toEqual([{ runId: childId, flowId: 'shout' }]);
    expect(foldEvents(childEvents).parent).toEqual({ runId: 'run-parent', nodeId: 'call' });
    // The parent pinned what it may call, by hash.
    expect(h.of('run.started')[0]!.flows!.shout).toMatchObject({ flowHash: expect.any(String), flow: { id: 'shout' } });
  });

  it("rolls the child's cost into the parent step and run while the child streams", async () => {
    const gate = deferred();
    const costly: Behaviour = async (context: StepContext) => {
      context.emit({ type: 'step.cost', model: 'gpt-4o-mini', inputTokens: 10, outputTokens: 5, usd: 0.002, final: false, simulated: false });
      await gate.promise;
      context.emit({ type: 'step.cost', model: 'gpt-4o-mini', inputTokens: 10, outputTokens: 9, usd: 0.003, final: true, simulated: false });
      return shout(context);
    };
    const { h, childEvents, options } = composed({ upper: costly });
    const { flow, link } = await prepared(subflowParent(), [shoutFlow()]);
    const run = startRun('run-cost', flow, { text: 'x' }, options, link);
    await h.entered('upper');
    // Live: the child is still running, and the parent already counts what it spent.
    expect(run.status).toBe('running');
    expect(foldEvents(h.events).steps.call!.costUsd).toBe(0.002);
    expect(foldEvents(h.events).costUsd).toBe(0.002);
    gate.resolve();
    expect(await run.finished()).toBe('succeeded');
    expect(h.of('run.succeeded')[0]!.costUsd).toBe(0.003);
    expect(h.of('step.cost').at(-1)).toMatchObject({ nodeId: 'call', usd: 0.003, final: true, inputTokens: 10, outputTokens: 9 });
    expect(childEvents.find((event) => event.type === 'run.succeeded')).toMatchObject({ costUsd: 0.003 });
  });

  it('cancelling the parent cancels the child, which was waiting for a person', async () => {
    const { h, children, options } = composed();
    const child = shoutFlow();
    child.nodes.push({ id: 'check', kind: 'approval', position: { x: 0, y: 200 }, config: { title: 'Shout it?' } });
    child.edges = child.edges.filter((edge) => edge.to !== 'out.shout');
    child.edges.push({ from: 'upper.shout', to: 'check.payload' }, { from: 'check.approved', to: 'out.shout' });
    const { flow, link } = await prepared(subflowParent(), [child]);
    const run = startRun('run-cancel', flow, { text: 'x' }, options, link);
    const childId = await new Promise<string>((resolve) => {
      const poll = () => {
        const found = [...children.children.values()].find((entry) => entry.handle.status === 'waiting');
        if (found) resolve(found.handle.runId);
        else setImmediate(poll);
      };
      poll();
    });
    expect(run.status).toBe('running');
    run.cancel('ana');
    expect(await run.finished()).toBe('cancelled');
    const entry = children.children.get(childId)!;
    expect(await entry.handle.finished()).toBe('cancelled');
    expect(entry.events.at(-1)).toMatchObject({ type: 'run.cancelled', by: 'parent' });
    expect(h.of('step.cancelled').map((event) => event.nodeId)).toEqual(['call']);
  });

  it('fails the step naming the child run when the child fails', async () => {
    const { h, options } = composed({ upper: () => Promise.reject(new Error('no shouting today')) });
    const { flow, link } = await prepared(subflowParent(), [shoutFlow()]);
    const run = startRun('run-fail', flow, { text: 'x' }, options, link);
    expect(await run.finished()).toBe('failed');
    const failed = h.of('step.failed')[0]!;
    expect(failed.nodeId).toBe('call');
    expect(failed.error.code).toBe('child-failed');
    expect(failed.error.message).toMatch(/^child run run-c[0-9a-f]+ of flow "shout" failed at upper: .*no shouting today/);
  });
});
