/**
 * A calling node's ports on the canvas come from the flow it calls: a subflow gets the child's
 * input and result fields, a map `items` plus the child's other inputs; the wire check and the
 * live problems see them, and a wire to a port that vanished is flagged, not dropped.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Flow, FlowNode } from '../../shared/flow.ts';
import { checkConnection, portsOf } from '../canvas/flow-mapping.ts';
import { callsKnown, useCalledFlows, type FlowFetcher } from './called-flows.ts';
import { problemsOf } from './problems.ts';

function child(fields: Array<{ name: string; type: 'string' | 'number' | 'json' }>, results: Array<{ name: string; type: 'string' | 'json' }>): Flow {
  return {
    schemaVersion: 1,
    id: 'score-text',
    name: 'Score a text',
    nodes: [
      { id: 'in', kind: 'input', position: { x: 0, y: 0 }, config: { fields } },
      { id: 'work', kind: 'code', position: { x: 200, y: 0 }, config: { language: 'javascript', source: 'export default (i) => i;', inputs: fields, outputs: results } },
      { id: 'out', kind: 'output', position: { x: 400, y: 0 }, config: { fields: results } },
    ],
    edges: [
      ...fields.map((field) => ({ from: `in.${field.name}`, to: `work.${field.name}` })),
      ...results.map((field) => ({ from: `work.${field.name}`, to: `out.${field.name}` })),
    ],
  };
}

const subflowNode: FlowNode = { id: 'call', kind: 'subflow', position: { x: 300, y: 0 }, config: { flow: 'score-text' } };

function parent(nodes: FlowNode[], edges: Flow['edges']): Flow {
  return {
    schemaVersion: 1,
    id: 'caller',
    name: 'Caller',
    nodes: [{ id: 'start', kind: 'input', position: { x: 0, y: 0 }, config: { fields: [{ name: 'text', type: 'string' }, { name: 'count', type: 'number' }] } }, ...nodes],
    edges,
  };
}

const serve = (flows: Flow[]): FlowFetcher => async (id) => flows.find((flow) => flow.id === id) ?? 'missing';

describe('ports of nodes that call a flow', () => {
  beforeEach(() => useCalledFlows.getState().reset());

  it("gives a subflow node the child's input fields and result fields, with their types", async () => {
    const flow = parent([subflowNode], []);
    expect(portsOf(subflowNode)).toEqual({ inputs: [], outputs: [] });
    await useCalledFlows.getState().ensure(flow, serve([child([{ name: 'text', type: 'string' }, { name: 'weight', type: 'number' }], [{ name: 'score', type: 'json' }])]));
    const ports = portsOf(subflowNode);
    expect(ports.inputs.map((port) => [port.name, port.type, port.required])).toEqual([['text', 'string', true], ['weight', 'number', true]]);
    expect(ports.outputs.map((port) => [port.name, port.type])).toEqual([['score', 'json']]);
  });

  it("gives a map node items plus the child's other inputs, results, and failures only when they are collected", async () => {
    const map: FlowNode = { id: 'each', kind: 'map', position: { x: 300, y: 0 }, config: { flow: 'score-text', itemInput: 'text', onItemFailure: 'continue' } };
    await useCalledFlows.getState().ensure(parent([map], []), serve([child([{ name: 'text', type: 'string' }, { name: 'weight', type: 'number' }], [{ name: 'score', type: 'json' }])]));
    const ports = portsOf(map);
    expect(ports.inputs.map((port) => [port.name, port.type])).toEqual([['items', 'json'], ['weight', 'number']]);
    expect(ports.outputs.map((port) => port.name)).toEqual(['results', 'failures']);
    expect(portsOf({ ...map, config: { flow: 'score-text', itemInput: 'text', onItemFailure: 'fail' } }).outputs.map((port) => port.name)).toEqual(['results']);
  });

  it("refuses a wire that does not fit the child's field type, saying why", async () => {
    const flow = parent([subflowNode], []);
    await useCalledFlows.getState().ensure(flow, serve([child([{ name: 'weight', type: 'number' }], [{ name: 'score', type: 'json' }])]));
    const refused = checkConnection(flow, { from: 'start.text', to: 'call.weight' });
    expect(refused.ok).toBe(false);
    expect(refused.ok ? '' : refused.reason).toMatch(/string.*number/);
    expect(checkConnection(flow, { from: 'start.count', to: 'call.weight' })).toEqual({ ok: true });
  });

  it('flags a wire to a port the child no longer has, and keeps it in the flow', async () => {
    const flow = parent([subflowNode], [{ from: 'start.text', to: 'call.text' }]);
    await useCalledFlows.getState().ensure(flow, serve([child([{ name: 'text', type: 'string' }], [{ name: 'score', type: 'json' }])]));
    expect(problemsOf(flow).byEdge.size).toBe(0);

    // The child is edited (its input renamed) and read again, as when the flow is opened anew.
    useCalledFlows.getState().reset();
    await useCalledFlows.getState().ensure(flow, serve([child([{ name: 'question', type: 'string' }], [{ name: 'score', type: 'json' }])]));
    const problems = problemsOf(flow);
    expect(flow.edges).toEqual([{ from: 'start.text', to: 'call.text' }]);
    expect(problems.byEdge.get('start.text->call.text')?.map((problem) => problem.rule)).toEqual(['missing-port']);
    expect(problems.byNode.get('call')?.map((problem) => problem.rule)).toContain('unwired-input');
  });

  it('says nothing about a called flow while it is read, and names it once it is known to be missing', async () => {
    const flow = parent([subflowNode], [{ from: 'start.text', to: 'call.text' }]);
    let release: (value: Flow | 'missing') => void = () => undefined;
    const reading = useCalledFlows.getState().ensure(flow, () => new Promise((resolve) => (release = resolve)));
    expect(callsKnown(flow)).toBe(false);
    expect(problemsOf(flow).all).toEqual([]);
    release('missing');
    await reading;
    expect(callsKnown(flow)).toBe(true);
    expect(problemsOf(flow).all.map((problem) => problem.rule)).toContain('missing-flow');
  });
});
