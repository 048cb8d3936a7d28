/** Canvas tools: automatic layout (dagre) and fit view. */
import { Panel, useReactFlow } from '@xyflow/react';
import { documentStore } from '../state/document.ts';
import { moveNodes } from '../state/flow-edits.ts';
import { layoutPositions } from './auto-layout.ts';

export function CanvasToolbar({ sizes, runMode }: { sizes: ReadonlyMap<string, { width: number; height: number }>; runMode: boolean }) {
  const { fitView } = useReactFlow();
  const layout = () => {
    const store = documentStore.getState();
    store.commit(moveNodes(store.flow, layoutPositions(store.flow, sizes)));
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
