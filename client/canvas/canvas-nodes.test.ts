import { describe, expect, it } from 'vitest';
import type { Flow } from '../../shared/flow.ts';
import { addNode, emptyFlow, moveNodes, updateNode } from '../state/flow-edits.ts';
import { createNodeMapper, estimatedHandles, estimatedSize, type MeasuredOf } from './canvas-nodes.ts';

function threeNodes(): Flow {
  let flow = emptyFlow('demo', 'Demo');
  flow = addNode(flow, 'input', { x: 0, y: 0 }).flow;
  flow = addNode(flow, 'model', { x: 300, y: 0 }).flow;
  return addNode(flow, 'output', { x: 600, y: 0 }).flow;
}

const none = new Set<string>();
const measured = (sizes: Record<string, { width: number; height: number }>): MeasuredOf => (id) => sizes[id];

describe('canvas nodes', () => {
  it('gives a never-measured node an estimated size and handles, one per port on its side', () => {
    const map = createNodeMapper();
    const [input, model] = map(threeNodes(), none, measured({}));
    expect(model!.measured).toEqual(estimatedSize(model!.data));
    const { inputs, outputs } = model!.data.ports;
    expect(model!.handles?.map((handle) => `${handle.type}:${handle.id}`)).toEqual([...inputs.map((port) => `target:in:${port.name}`), ...outputs.map((port) => `source:out:${port.name}`)]);
    expect(model!.handles?.[0]).toMatchObject({ position: 'left', x: 1 - 6 });
    const handles = estimatedHandles(input!.data, { width: 240, height: 100 });
    expect(handles).toHaveLength(input!.data.ports.outputs.length);
    expect(handles[0]).toMatchObject({ type: 'source', x: 240 - 1 - 6 });
  });

  it('reuses node objects, and the list, while nothing a node shows changed', () => {
    const map = createNodeMapper();
    const flow = threeNodes();
    const first = map(flow, none, measured({}));
    expect(map(flow, none, measured({}))).toBe(first);
    // A measured size alone changes nothing: React Flow keeps it for unchanged node objects.
    expect(map(flow, none, measured({ 'model-1': { width: 260, height: 120 } }))).toBe(first);
  });

  it('rebuilds only the node that moved or was selected, carrying the size React Flow measured', () => {
    const map = createNodeMapper();
    const flow = threeNodes();
    const first = map(flow, none, measured({}));
    const sizes = measured({ 'model-1': { width: 260, height: 120 } });
    const moved = map(moveNodes(flow, { 'model-1': { x: 320, y: 8 } }), none, sizes);
    expect(moved).not.toBe(first);
    expect(moved[0]).toBe(first[0]);
    expect(moved[2]).toBe(first[2]);
    expect(moved[1]).toMatchObject({ position: { x: 320, y: 8 }, measured: { width: 260, height: 120 } });
    expect(moved[1]!.handles).toBeUndefined();
    expect(moved[1]!.data).toBe(first[1]!.data);
    const selected = map(moveNodes(flow, { 'model-1': { x: 320, y: 8 } }), new Set(['output-1']), sizes);
    expect(selected[1]).toBe(moved[1]);
    expect(selected[2]).toMatchObject({ selected: true });
  });

  it('gives new data when the config changes, and keeps a copy with the same content (a run pinned flow) as it is', () => {
    const map = createNodeMapper();
    const flow = threeNodes();
    const first = map(flow, none, measured({}));
    const copy: Flow = JSON.parse(JSON.stringify(flow)) as Flow;
    expect(map(copy, none, measured({}))).toBe(first);
    const edited = updateNode(flow, 'model-1', { config: { ...flow.nodes[1]!.config, inputs: [{ name: 'question', type: 'string' }] } });
    const next = map(edited, none, measured({ 'model-1': { width: 240, height: 130 } }));
    expect(next[1]!.data).not.toBe(first[1]!.data);
    expect(next[1]!.data.ports.inputs.map((port) => port.name)).toEqual(['question']);
  });
});
