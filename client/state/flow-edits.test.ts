import { describe, expect, it } from 'vitest';
import { validateFlowDocument } from '../../shared/validate.ts';
import { applyDiff, diffFlows, reverseDiff } from './flow-diff.ts';
import { addNode, connect, copyNodes, emptyFlow, pasteNodes, removeElements, renameNode, updateConfig } from './flow-edits.ts';

function wired() {
  let flow = emptyFlow('demo', 'Demo');
  flow = addNode(flow, 'input', { x: 0, y: 0 }).flow;
  flow = addNode(flow, 'model', { x: 300, y: 0 }).flow;
  flow = addNode(flow, 'output', { x: 600, y: 0 }).flow;
  flow = connect(flow, { from: 'input-1.text', to: 'model-1.text' });
  return connect(flow, { from: 'model-1.result', to: 'output-1.result' });
}

describe('flow edits', () => {
  it('builds a valid flow from default configs', () => {
    expect(validateFlowDocument(wired()).problems).toEqual([]);
  });

  it('replaces the wire into an input that already has one', () => {
    let flow = addNode(wired(), 'input', { x: 0, y: 200 }).flow;
    flow = connect(flow, { from: 'input-2.text', to: 'model-1.text' });
    expect(flow.edges.filter((edge) => edge.to === 'model-1.text')).toEqual([{ from: 'input-2.text', to: 'model-1.text' }]);
  });

  it('removes a node with its wires', () => {
    const flow = removeElements(wired(), ['model-1']);
    expect(flow.nodes.map((node) => node.id)).toEqual(['input-1', 'output-1']);
    expect(flow.edges).toEqual([]);
  });

  it('renames a node and its wires', () => {
    const flow = renameNode(wired(), 'model-1', 'classify');
    expect(flow.edges.map((edge) => `${edge.from} ${edge.to}`)).toEqual(['input-1.text classify.text', 'classify.result output-1.result']);
  });

  it('pastes copies with fresh ids and the wires between them', () => {
    const flow = wired();
    const clipboard = copyNodes(flow, ['input-1', 'model-1']);
    expect(clipboard.edges).toHaveLength(1);
    const pasted = pasteNodes(flow, clipboard);
    expect(pasted.nodeIds).toEqual(['input-2', 'model-2']);
    expect(pasted.flow.edges).toContainEqual({ from: 'input-2.text', to: 'model-2.text' });
    expect(pasted.flow.nodes.find((node) => node.id === 'model-2')!.position).toEqual({ x: 340, y: 40 });
  });

  it('diffs reverse exactly', () => {
    const before = wired();
    const after = renameNode(removeElements(before, [], ['input-1.text->model-1.text']), 'output-1', 'answer');
    const diff = diffFlows(before, after);
    expect(applyDiff(before, diff).edges).toEqual(after.edges);
    const back = applyDiff(after, reverseDiff(diff));
    expect(new Set(back.nodes.map((node) => node.id))).toEqual(new Set(before.nodes.map((node) => node.id)));
    expect(new Set(back.edges.map((edge) => `${edge.from}>${edge.to}`))).toEqual(new Set(before.edges.map((edge) => `${edge.from}>${edge.to}`)));
  });

  it('keeps a node whose id is "constructor" through undo and redo', () => {
    const before = wired();
    const after = renameNode(before, 'output-1', 'constructor');
    const diff = diffFlows(before, after);
    expect(applyDiff(before, diff).nodes.map((node) => node.id).sort()).toEqual(after.nodes.map((node) => node.id).sort());
    const moved = { ...after, nodes: after.nodes.map((node) => (node.id === 'constructor' ? { ...node, position: { x: 1, y: 2 } } : node)) };
    const move = diffFlows(after, moved);
    expect(applyDiff(after, move).nodes.find((node) => node.id === 'constructor')!.position).toEqual({ x: 1, y: 2 });
    expect(applyDiff(moved, reverseDiff(move)).nodes.find((node) => node.id === 'constructor')!.position).toEqual(after.nodes.find((node) => node.id === 'constructor')!.position);
  });

  it('keeps wires when a port is renamed in place', () => {
    const flow = wired();
    const renamed = updateConfig(flow, 'input-1', { fields: [{ name: 'question', type: 'string' }] });
    expect(renamed.edges).toContainEqual({ from: 'input-1.question', to: 'model-1.text' });
    const model = renamed.nodes.find((node) => node.id === 'model-1')!;
    const input = updateConfig(renamed, 'model-1', { ...model.config, inputs: [{ name: 'question', type: 'string' }] });
    expect(input.edges).toContainEqual({ from: 'input-1.question', to: 'model-1.question' });
    const emptied = updateConfig(flow, 'input-1', { fields: [{ name: '', type: 'string' }] });
    expect(emptied.edges).toContainEqual({ from: 'input-1.text', to: 'model-1.text' });
  });
});
