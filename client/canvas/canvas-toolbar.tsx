/** Canvas tools: automatic layout (dagre) and fit view. */
import { Panel, useReactFlow, useStoreApi } from '@xyflow/react';
import { documentStore } from '../state/document.ts';
import { moveNodes } from '../state/flow-edits.ts';
import { layoutPositions } from './auto-layout.ts';

export function CanvasToolbar({ runMode }: { runMode: boolean }) {
  const { fitView } = useReactFlow();
  const store = useStoreApi();
  const layout = () => {
    const documentState = documentStore.getState();
    // The sizes React Flow measured, where it has (a node not yet measured gets the default size).
    const sizes = new Map<string, { width: number; height: number }>();
    for (const [id, node] of store.getState().nodeLookup) {
      if (node.measured.width && node.measured.height) sizes.set(id, { width: node.measured.width, height: node.measured.height });
    }
    documentState.commit(moveNodes(documentState.flow, layoutPositions(documentState.flow, sizes)));
    requestAnimationFrame(() => void fitView({ padding: 0.08, maxZoom: 1, duration: 250 }));
  };
  return (
    <Panel position="top-left" className="canvas-toolbar">
      {runMode ? null : (
        <button type="button" className="btn btn-small" onClick={layout} data-testid="layout-button" title="Arrange the nodes left to right along their wires">
          Auto layout
        </button>
      )}
      <button type="button" className="btn btn-small" onClick={() => void fitView({ padding: 0.08, maxZoom: 1, duration: 250 })} data-testid="fit-view-button">
        Fit view
      </button>
    </Panel>
  );
}
