import { describe, expect, it } from 'vitest';
import { addNode, connect, emptyFlow, updateNode } from '../state/flow-edits.ts';
import { checkConnection, connectionToEdge, handleId, portOfHandle, toCanvasEdge, toCanvasNode } from './flow-mapping.ts';
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
    const edge = toCanvasEdge(flow, flow.edges[0]!, false);
    expect(edge).toMatchObject({ id: 'input-1.text->model-1.text', source: 'input-1', sourceHandle: 'out:text', target: 'model-1', targetHandle: 'in:text', data: { type: 'string' } });
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
