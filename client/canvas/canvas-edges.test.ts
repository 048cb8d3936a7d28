import { describe, expect, it } from 'vitest';
import type { Flow } from '../../shared/flow.ts';
import { PORT_COLOURS } from '../../shared/ports.ts';
import { emptyStep, initialRunState, type RunState, type StepState } from '../../shared/run-state.ts';
import { addNode, connect, emptyFlow, updateNode } from '../state/flow-edits.ts';
import { problemsOf } from '../state/problems.ts';
import { createEdgeMapper, PROBLEM_STROKE } from './canvas-edges.ts';
import { runEdgeClass } from './weft-edge.tsx';

/** input -> model -> output, and a code node fed by the input. */
function wiredFlow(): Flow {
  let flow = emptyFlow('demo', 'Demo');
  flow = addNode(flow, 'input', { x: 0, y: 0 }).flow;
  flow = addNode(flow, 'model', { x: 300, y: 0 }).flow;
  flow = addNode(flow, 'output', { x: 600, y: 0 }).flow;
  flow = addNode(flow, 'code', { x: 300, y: 200 }).flow;
  flow = updateNode(flow, 'code-1', { config: { ...flow.nodes[3]!.config, inputs: [{ name: 'value', type: 'string' }], outputs: [] } });
  flow = connect(flow, { from: 'input-1.text', to: 'model-1.text' });
  flow = connect(flow, { from: 'model-1.result', to: 'output-1.result' });
  return connect(flow, { from: 'input-1.text', to: 'code-1.value' });
}

const none = new Set<string>();

function steps(entries: Array<Partial<StepState> & { nodeId: string }>): Record<string, StepState> {
  return Object.fromEntries(entries.map((entry) => [entry.nodeId, { ...emptyStep(entry.nodeId), ...entry }]));
}

describe('canvas edges', () => {
  it("maps each wire with its source port's type and colour, looked up by node id", () => {
    const map = createEdgeMapper();
    const edges = map({ flow: wiredFlow(), selected: none, problems: null, runMode: false });
    expect(edges.map((edge) => edge.id)).toEqual(['input-1.text->model-1.text', 'model-1.result->output-1.result', 'input-1.text->code-1.value']);
    expect(edges[0]).toMatchObject({ source: 'input-1', sourceHandle: 'out:text', target: 'model-1', targetHandle: 'in:text', data: { type: 'string' }, style: { stroke: PORT_COLOURS.string } });
  });

  it('reuses edge objects and the list until a wire is selected or gets a problem', () => {
    const map = createEdgeMapper();
    const flow = wiredFlow();
    const first = map({ flow, selected: none, problems: problemsOf(flow), runMode: false });
    expect(map({ flow, selected: new Set(), problems: problemsOf(flow), runMode: false })).toBe(first);
    const selected = map({ flow, selected: new Set(['model-1.result->output-1.result']), problems: problemsOf(flow), runMode: false });
    expect(selected[0]).toBe(first[0]);
    expect(selected[1]).toMatchObject({ selected: true });
    const problems = { all: [], byNode: new Map(), byPort: new Map(), byEdge: new Map([['input-1.text->code-1.value', []]]) };
    const withProblem = map({ flow, selected: none, problems, runMode: false });
    expect(withProblem[2]).toMatchObject({ className: 'edge-problem', style: { stroke: PROBLEM_STROKE } });
    expect(withProblem[0]).toBe(first[0]);
  });

  it('in a run, keeps one list whatever the steps do: wires take their run look themselves', () => {
    const map = createEdgeMapper();
    const flow = wiredFlow();
    const selected = new Set(['input-1.text->model-1.text']);
    const first = map({ flow, selected, problems: null, runMode: true });
    expect(first.every((edge) => edge.selectable === false && edge.selected === false && edge.type === 'weft')).toBe(true);
    expect(map({ flow, selected: none, problems: null, runMode: true })).toBe(first);
  });
});

describe("a wire's run look", () => {
  const flow = wiredFlow();
  const base = steps([{ nodeId: 'input-1' }, { nodeId: 'model-1' }, { nodeId: 'output-1' }, { nodeId: 'code-1' }]);
  const run = (stepsNow: Record<string, StepState>): RunState => ({ ...initialRunState('r1'), flow, steps: stepsNow });

  it('is plain before its source starts, pending and animated while it runs', () => {
    expect(runEdgeClass(run(base), 'model-1', 'result', 'output-1')).toBe('edge-run');
    const running = { ...base, 'model-1': { ...base['model-1']!, status: 'running' as const } };
    expect(runEdgeClass(run(running), 'model-1', 'result', 'output-1')).toBe('edge-run edge-pending edge-animated');
  });

  it('is carried once its value passed, animated while its target runs; idle when the port did not fire', () => {
    const stepsNow: Record<string, StepState> = {
      ...base,
      'input-1': { ...base['input-1']!, status: 'succeeded', outputs: { text: 'hi' } },
      'model-1': { ...base['model-1']!, status: 'running' },
    };
    expect(runEdgeClass(run(stepsNow), 'input-1', 'text', 'model-1')).toBe('edge-run edge-carried edge-animated');
    expect(runEdgeClass(run(stepsNow), 'input-1', 'text', 'code-1')).toBe('edge-run edge-carried');
    expect(runEdgeClass(run(stepsNow), 'input-1', 'other', 'code-1')).toBe('edge-run edge-idle');
  });

  it("does not mistake an Object.prototype member for a run's step", () => {
    expect(runEdgeClass(run({}), 'constructor', 'text', 'toString')).toBe('edge-run');
    expect(runEdgeClass(null, 'input-1', 'text', 'model-1')).toBe('edge-run');
  });
});
