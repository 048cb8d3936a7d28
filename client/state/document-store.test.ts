import { describe, expect, it } from 'vitest';
import { serializeFlow } from '../../shared/canonical.ts';
import type { Flow } from '../../shared/flow.ts';
import { createDocumentStore, isDirty } from './document-store.ts';
import { addNode, connect, emptyFlow, moveNodes, updateNode } from './flow-edits.ts';

function started(): { store: ReturnType<typeof createDocumentStore>; flow: Flow } {
  const store = createDocumentStore(emptyFlow('demo', 'Demo'));
  return { store, flow: store.getState().flow };
}

describe('document store', () => {
  it('undoes and redoes an added node', () => {
    const { store, flow } = started();
    const { flow: next, nodeId } = addNode(flow, 'model', { x: 10, y: 20 });
    store.getState().commit(next);
    expect(nodeId).toBe('model-1');
    expect(store.getState().flow.nodes).toHaveLength(1);
    store.getState().undo();
    expect(store.getState().flow.nodes).toHaveLength(0);
    store.getState().redo();
    expect(store.getState().flow.nodes.map((node) => node.id)).toEqual(['model-1']);
  });

  it('keeps undo steps as data diffs and clears redo after a new edit', () => {
    const { store, flow } = started();
    const one = addNode(flow, 'input', { x: 0, y: 0 }).flow;
    store.getState().commit(one);
    const two = addNode(one, 'model', { x: 300, y: 0 }).flow;
    store.getState().commit(two);
    store.getState().commit(connect(two, { from: 'input-1.text', to: 'model-1.text' }));
    expect(store.getState().past).toHaveLength(3);
    expect(Object.keys(store.getState().past[2]!.edges.added)).toEqual(['input-1.text->model-1.text']);
    store.getState().undo();
    expect(store.getState().flow.edges).toHaveLength(0);
    expect(store.getState().future).toHaveLength(1);
    store.getState().commit(moveNodes(store.getState().flow, { 'model-1': { x: 400, y: 0 } }));
    expect(store.getState().future).toHaveLength(0);
  });

  it('merges edits with the same merge key inside the window (typing is one step)', () => {
    const { store, flow } = started();
    store.getState().commit(addNode(flow, 'model', { x: 0, y: 0 }).flow);
    let now = 1000;
    for (const label of ['A', 'Ab', 'Abc']) {
      store.getState().commit(updateNode(store.getState().flow, 'model-1', { label }), { mergeKey: 'label:model-1', now });
      now += 200;
    }
    expect(store.getState().past).toHaveLength(2);
    store.getState().undo();
    expect(store.getState().flow.nodes[0]!.label).toBe('Model');
    store.getState().commit(updateNode(store.getState().flow, 'model-1', { label: 'X' }), { mergeKey: 'label:model-1', now: now + 10_000 });
    store.getState().commit(updateNode(store.getState().flow, 'model-1', { label: 'Y' }), { mergeKey: 'label:model-1', now: now + 20_000 });
    expect(store.getState().past).toHaveLength(3);
  });

  it('records a whole drag as one undo step', () => {
    const { store, flow } = started();
    store.getState().commit(addNode(flow, 'model', { x: 0, y: 0 }).flow);
    for (const x of [5, 10, 50]) store.getState().setTransient(moveNodes(store.getState().flow, { 'model-1': { x, y: 0 } }));
    expect(store.getState().past).toHaveLength(1);
    store.getState().endTransient();
    expect(store.getState().past).toHaveLength(2);
    store.getState().undo();
    expect(store.getState().flow.nodes[0]!.position).toEqual({ x: 0, y: 0 });
  });

  it('tracks unsaved changes against the canonical text, including undo back to the saved state', () => {
    const { store, flow } = started();
    expect(isDirty(store.getState())).toBe(true);
    store.getState().load(flow, { saved: true });
    expect(isDirty(store.getState())).toBe(false);
    expect(store.getState().savedText).toBe(serializeFlow(flow));
    store.getState().commit(addNode(flow, 'code', { x: 0, y: 0 }).flow);
    expect(isDirty(store.getState())).toBe(true);
    store.getState().undo();
    expect(isDirty(store.getState())).toBe(false);
    store.getState().commit({ ...store.getState().flow, id: 'renamed' });
    expect(isDirty(store.getState())).toBe(true);
  });
});
