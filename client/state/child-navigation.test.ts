/** What double-clicking a node opens: the flow it calls, and in a run the child run(s) its step started. */
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import type { Flow } from '../../shared/flow.ts';
import { foldEvents } from '../../shared/run-state.ts';
import { calledFlowOf, stepChildren } from './child-navigation.ts';

const flow: Flow = {
  schemaVersion: 1,
  id: 'batch',
  name: 'Batch',
  nodes: [
    { id: 'one', kind: 'subflow', position: { x: 0, y: 0 }, config: { flow: 'classify-ticket' } },
    { id: 'each', kind: 'map', position: { x: 0, y: 200 }, config: { flow: 'classify-ticket', itemInput: 'text' } },
    { id: 'code', kind: 'code', position: { x: 0, y: 400 }, config: { language: 'javascript', source: '', inputs: [], outputs: [] } },
  ],
  edges: [],
};

let seq = 0;
function event(body: Record<string, unknown>): RunEvent {
  seq += 1;
  return { runId: 'run-parent', seq, at: new Date(Date.UTC(2026, 11, 6, 4, 0, seq)).toISOString(), ...body } as RunEvent;
}

describe('opening what a node calls', () => {
  it('finds the called flow through the kind, and none for a node that calls nothing', () => {
    expect(calledFlowOf(flow.nodes[0]!)).toBe('classify-ticket');
    expect(calledFlowOf(flow.nodes[1]!)).toBe('classify-ticket');
    expect(calledFlowOf(flow.nodes[2]!)).toBeUndefined();
    expect(calledFlowOf({ kind: 'subflow', config: { flow: 'Not An Id' } })).toBeUndefined();
  });

  it("opens a subflow step's child run and a map step's list of item runs, from the parent's events", () => {
    seq = 0;
    const run = foldEvents(
      [
        event({ type: 'run.started', flowId: 'batch', flowHash: 'h', flow, inputs: {} }),
        event({ type: 'step.started', nodeId: 'one', attempt: 1, inputs: {} }),
        event({ type: 'step.child', nodeId: 'one', childRunId: 'run-child-1', flowId: 'classify-ticket' }),
        event({ type: 'step.started', nodeId: 'each', attempt: 1, inputs: {} }),
        event({ type: 'step.progress', nodeId: 'each', done: 0, failed: 0, total: 2 }),
        event({ type: 'step.child', nodeId: 'each', childRunId: 'run-item-0', flowId: 'classify-ticket', itemIndex: 0 }),
        event({ type: 'step.child', nodeId: 'each', childRunId: 'run-item-1', flowId: 'classify-ticket', itemIndex: 1 }),
      ],
      'run-parent',
    );
    expect(stepChildren(run, 'one')).toEqual({ type: 'run', runId: 'run-child-1' });
    expect(stepChildren(run, 'each')).toEqual({ type: 'items', count: 2 });
    expect(stepChildren(run, 'code')).toMatchObject({ type: 'none', reason: expect.stringContaining('not started a child run yet') });
  });
});
