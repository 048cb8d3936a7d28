import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import type { Flow } from '../../shared/flow.ts';
import { foldEvents } from '../../shared/run-state.ts';
import { emptyRun, isActive, mergeEvents } from './run-tracker.ts';

const flow: Flow = { schemaVersion: 1, id: 'demo', name: 'Demo', nodes: [{ id: 'classify', kind: 'model', position: { x: 0, y: 0 }, config: {} }], edges: [] };
const at = '2025-01-01T00:00:00.000Z';
const log: RunEvent[] = [
  { type: 'run.started', runId: 'r1', seq: 1, at, flowId: 'demo', flowHash: 'h', flow, inputs: {} },
  { type: 'step.started', runId: 'r1', seq: 2, at, nodeId: 'classify', attempt: 1, inputs: {} },
  { type: 'step.delta', runId: 'r1', seq: 3, at, nodeId: 'classify', text: 'Hel' },
  { type: 'step.delta', runId: 'r1', seq: 4, at, nodeId: 'classify', text: 'lo' },
  { type: 'step.cost', runId: 'r1', seq: 5, at, nodeId: 'classify', model: 'gpt-4o-mini', inputTokens: 10, outputTokens: 2, usd: 0.001, final: true, simulated: true },
  { type: 'step.succeeded', runId: 'r1', seq: 6, at, nodeId: 'classify', outputs: { result: 'Hello' }, durationMs: 12 },
  { type: 'run.succeeded', runId: 'r1', seq: 7, at, outputs: {}, costUsd: 0.001 },
];

describe('run tracker', () => {
  it('reaches the same state as folding the whole log, in pieces and with repeats', () => {
    let state = emptyRun('r1');
    state = mergeEvents(state, log.slice(0, 3)).state;
    state = mergeEvents(state, log.slice(1, 5)).state;
    expect(isActive(state)).toBe(true);
    state = mergeEvents(state, log.slice(4)).state;
    expect(state).toEqual(foldEvents(log, 'r1'));
    expect(state.steps.classify).toMatchObject({ status: 'succeeded', text: 'Hello', simulated: true });
    expect(isActive(state)).toBe(false);
  });

  it('reports a gap instead of applying out of order', () => {
    const first = mergeEvents(emptyRun('r1'), [log[0]!, log[3]!]);
    expect(first.gap).toBe(true);
    expect(first.state.lastSeq).toBe(1);
  });

  it('ignores another run', () => {
    expect(mergeEvents(emptyRun('r2'), log).state.lastSeq).toBe(0);
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

describe('run tracker batches', () => {
  const twoSteps: Flow = { ...flow, nodes: [...flow.nodes, { id: 'other', kind: 'code', position: { x: 300, y: 0 }, config: {} }] };
  const started: RunEvent = { type: 'run.started', runId: 'r1', seq: 1, at, flowId: 'demo', flowHash: 'h', flow: twoSteps, inputs: {} };
  const later: RunEvent[] = [
    { type: 'step.started', runId: 'r1', seq: 2, at, nodeId: 'classify', attempt: 1, inputs: {} },
    { type: 'step.log', runId: 'r1', seq: 3, at, nodeId: 'classify', level: 'info', text: 'one' },
    { type: 'step.log', runId: 'r1', seq: 4, at, nodeId: 'classify', level: 'info', text: 'two' },
    { type: 'step.delta', runId: 'r1', seq: 5, at, nodeId: 'classify', text: 'Hi' },
  ];

  it('applies a batch as one new state, never changing the state or steps it started from', () => {
    const before = deepFreeze(mergeEvents(emptyRun('r1'), [started]).state);
    const { state } = mergeEvents(before, later);
    expect(state).toEqual(foldEvents([started, ...later], 'r1'));
    expect(state.steps.classify!.logs.map((entry) => entry.text)).toEqual(['one', 'two']);
    expect(before.steps.classify!.logs).toEqual([]);
    // A step no event touched is shared, not copied.
    expect(state.steps.other).toBe(before.steps.other);
    expect(state.steps.classify).not.toBe(before.steps.classify);
  });

  it('gives back the same state when nothing applies', () => {
    const before = mergeEvents(emptyRun('r1'), [started, ...later]).state;
    expect(mergeEvents(before, later).state).toBe(before);
  });
});
