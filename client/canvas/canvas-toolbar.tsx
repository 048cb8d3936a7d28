/** Canvas tools: automatic layout (elkjs, loaded on first use) and fit view. */
import { Panel, useReactFlow, useStoreApi, type InternalNode } from '@xyflow/react';
import { useState } from 'react';
import type { FlowNode } from '../../shared/flow.ts';
import { documentStore } from '../state/document.ts';
import { moveNodes } from '../state/flow-edits.ts';
import { useUi } from '../state/ui-store.ts';
import type { NodeGeometry } from './auto-layout.ts';
import { Breadcrumb } from './breadcrumb.tsx';

/** A node's size and handle centres as React Flow measured them, when it has. */
function measuredGeometry(node: InternalNode | undefined): NodeGeometry | undefined {
  const { width, height } = node?.measured ?? {};
  const bounds = node?.internals.handleBounds;
  if (!width || !height || !bounds) return undefined;
  const handles = new Map<string, { x: number; y: number }>();
  for (const handle of [...(bounds.source ?? []), ...(bounds.target ?? [])]) {
    if (handle.id) handles.set(handle.id, { x: handle.x + handle.width / 2, y: handle.y + handle.height / 2 });
  }
  return { width, height, handles };
}

export function CanvasToolbar({ runMode }: { runMode: boolean }) {
  const { fitView } = useReactFlow();
  const store = useStoreApi();
  const [busy, setBusy] = useState(false);
  const layout = async () => {
    setBusy(true);
    try {
      const { layoutPositions, estimatedGeometry } = await import('./auto-layout.ts');
      const flow = documentStore.getState().flow;
      const { nodeLookup } = store.getState();
      const geometryOf = (node: FlowNode) => measuredGeometry(nodeLookup.get(node.id)) ?? estimatedGeometry(node);
      const positions = await layoutPositions(flow, geometryOf);
      const documentState = documentStore.getState();
      // The flow may have changed while ELK worked: move only the nodes that are still there.
      const still = Object.fromEntries(Object.entries(positions).filter(([id]) => documentState.flow.nodes.some((node) => node.id === id)));
      documentState.commit(moveNodes(documentState.flow, still));
      requestAnimationFrame(() => void fitView({ padding: 0.08, maxZoom: 1, duration: 250 }));
    } catch (error) {
      useUi.getState().notify(`Auto layout failed: ${error instanceof Error ? error.message : String(error)}`, 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <Panel position="top-left" className="canvas-toolbar">
      {runMode ? null : (
        <button type="button" className="btn btn-small" disabled={busy} onClick={() => void layout()} data-testid="layout-button" title="Arrange the nodes left to right along their wires, keeping wires from crossing">
          {busy ? 'Arranging…' : 'Auto layout'}
        </button>
      )}
      <button type="button" className="btn btn-small" onClick={() => void fitView({ padding: 0.08, maxZoom: 1, duration: 250 })} data-testid="fit-view-button" title="Show the whole flow (text gets small on a large flow)">
        Fit view
      </button>
      <Breadcrumb />
    </Panel>
  );
}
