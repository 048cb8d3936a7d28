import { describe, expect, it } from 'vitest';
import type { FlowNode } from '../../shared/flow.ts';
import { addNode, connect, emptyFlow, updateNode } from '../state/flow-edits.ts';
import { checkConnection, connectionToEdge, edgeType, flowIndex, handleId, portOfHandle, portsOf, summaryOf, toCanvasEdge, toCanvasNode, toCanvasNodeData } from './flow-mapping.ts';
import { nodePorts } from './node-ports.ts';

function flowWithCode() {
  let flow = emptyFlow('demo', 'Demo');
  flow = addNode(flow, 'input', { x: 0, y: 0 }).flow;
  flow = addNode(flow, 'model', { x: 300, y: 0 }).flow;
  flow = addNode(flow, 'code', { x: 300, y: 200 }).flow;
  return updateNode(flow, 'code-1', { config: { ...flow.nodes[2]!.config, outputs: [{ name: 'count', type: 'number' }] } });
}

describe('flow <-> React Flow mapping', () => {
  it('maps nodes with typed ports and edges with handle ids', () => {
    const flow = connect(flowWithCode(), { from: 'input-1.text', to: 'model-1.text' });
    const node = toCanvasNode(flow.nodes[1]!, true);
    expect(node).toMatchObject({ id: 'model-1', type: 'weft', selected: true, position: { x: 300, y: 0 } });
    expect(node.data.ports.inputs.map((port) => `${port.name}:${port.type}`)).toEqual(['text:string']);
    const type = edgeType(flowIndex(flow).nodes, flow.edges[0]!);
    expect(type).toBe('string');
    const edge = toCanvasEdge(flow.edges[0]!, type, false);
    expect(edge).toMatchObject({ id: 'input-1.text->model-1.text', source: 'input-1', sourceHandle: 'out:text', target: 'model-1', targetHandle: 'in:text', data: { type: 'string' } });
  });

  it('indexes a flow once per version: nodes by id and who feeds whom', () => {
    const flow = connect(flowWithCode(), { from: 'input-1.text', to: 'model-1.text' });
    const index = flowIndex(flow);
    expect(flowIndex(flow)).toBe(index);
    expect(index.nodes.get('model-1')).toBe(flow.nodes[1]);
    expect(index.successors.get('input-1')).toEqual(['model-1']);
    expect(index.successors.get('model-1')).toBeUndefined();
  });

  it("types a wire from its source port, or any while the port is not there", () => {
    const flow = flowWithCode();
    const nodes = flowIndex(flow).nodes;
    expect(edgeType(nodes, { from: 'code-1.count', to: 'model-1.text' })).toBe('number');
    expect(edgeType(nodes, { from: 'code-1.gone', to: 'model-1.text' })).toBe('any');
    expect(edgeType(nodes, { from: 'nobody.x', to: 'model-1.text' })).toBe('any');
  });

  it('computes ports once per config object, again when the config changes', () => {
    const flow = flowWithCode();
    const code = flow.nodes[2]!;
    const moved: FlowNode = { ...code, position: { x: 1, y: 1 } };
    expect(portsOf(moved)).toBe(portsOf(code));
    const edited = updateNode(flow, 'code-1', { config: { ...code.config, outputs: [{ name: 'total', type: 'number' }] } }).nodes[2]!;
    expect(portsOf(edited).outputs.map((port) => port.name)).toEqual(['total']);
  });

  it('maps a connection back to a flow edge', () => {
    expect(portOfHandle(handleId('out', 'result'))).toBe('result');
    expect(connectionToEdge({ source: 'a', sourceHandle: 'out:x', target: 'b', targetHandle: 'in:y' })).toEqual({ from: 'a.x', to: 'b.y' });
    expect(connectionToEdge({ source: 'a', sourceHandle: null, target: 'b', targetHandle: 'in:y' })).toBeUndefined();
  });

  it("refuses a wrong-typed wire with the contract's reason", () => {
    const flow = flowWithCode();
    expect(checkConnection(flow, { from: 'code-1.count', to: 'model-1.text' })).toEqual({ ok: false, reason: 'number cannot feed string: add a code node to convert' });
    expect(checkConnection(flow, { from: 'input-1.text', to: 'model-1.text' })).toEqual({ ok: true });
  });

  it('refuses self-wires and cycles', () => {
    let flow = flowWithCode();
    flow = updateNode(flow, 'code-1', { config: { ...flow.nodes[2]!.config, inputs: [{ name: 'value', type: 'string' }], outputs: [{ name: 'result', type: 'string' }] } });
    expect(checkConnection(flow, { from: 'code-1.result', to: 'code-1.value' }).ok).toBe(false);
    flow = connect(flow, { from: 'model-1.result', to: 'code-1.value' });
    expect(checkConnection(flow, { from: 'code-1.result', to: 'model-1.text' })).toMatchObject({ ok: false, reason: expect.stringContaining('cycle') });
  });

  it('keeps showing ports while a config is mid-edit', () => {
    const ports = nodePorts({ kind: 'code', config: { inputs: [{ name: 'a', type: 'string' }, { name: '', type: 'string' }], outputs: [] } });
    expect(ports.inputs.map((port) => port.name)).toEqual(['a']);
    expect(nodePorts({ kind: 'nope', config: {} })).toEqual({ inputs: [], outputs: [] });
    expect(nodePorts({ kind: 'code', config: {} })).toEqual({ inputs: [], outputs: [] });
  });
});

describe('problems while dragging', () => {
  it('reuses the problems of a flow that differs only in node positions, and checks again after an edit', async () => {
    const { problemsOf } = await import('../state/problems.ts');
    const { moveNodes } = await import('../state/flow-edits.ts');
    const flow = flowWithCode();
    const index = problemsOf(flow);
    expect(index.all.length).toBeGreaterThan(0);
    expect(problemsOf(moveNodes(flow, { 'model-1': { x: 310.5, y: 4 } }))).toBe(index);
    const wired = connect(flow, { from: 'input-1.text', to: 'model-1.text' });
    expect(problemsOf(wired)).not.toBe(index);
  });
});

describe('ports of equal configs', () => {
  it('shares the ports of a copy of a config (a run pinned flow)', () => {
    const flow = flowWithCode();
    const code = flow.nodes[2]!;
    const copy = JSON.parse(JSON.stringify(code)) as FlowNode;
    expect(portsOf(copy)).toBe(portsOf(code));
    expect(portsOf({ ...copy, kind: 'model' })).not.toBe(portsOf(code));
  });
});

describe('node summaries', () => {
  it("carries the kind's summary, once per config object, and none for a config its kind cannot read", () => {
    const config = { model: 'gpt-4o-mini', prompt: 'Summarise: {{text}}', inputs: [{ name: 'text', type: 'string' }] };
    const node = { id: 'm', kind: 'model', position: { x: 0, y: 0 }, config };
    expect(toCanvasNodeData(node).summary).toEqual(['gpt-4o-mini', 'Summarise: {{text}}']);
    expect(summaryOf(node)).toBe(summaryOf({ ...node }));
    expect(summaryOf({ kind: 'model', config: { inputs: [] } })).toEqual([]);
    expect(summaryOf({ kind: 'webhook', config: {} })).toEqual([]);
  });
});
