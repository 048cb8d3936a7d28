/**
 * The canvas: the editor's flow (or, while a run is shown, the run's pinned flow) in React Flow.
 * Every edit goes to the document store as data; React Flow only reports what the person did.
 */
import { Background, Controls, MiniMap, ReactFlow, useReactFlow } from '@xyflow/react';
import { useEffect, useMemo, useRef, type DragEvent } from 'react';
import { registry } from '../../shared/kinds/registry.ts';
import { documentStore, useDocument } from '../state/document.ts';
import { addNode } from '../state/flow-edits.ts';
import { problemsOf } from '../state/problems.ts';
import { useRun } from '../state/run-store.ts';
import { useUi } from '../state/ui-store.ts';
import { CanvasContext } from './canvas-context.ts';
import { CanvasToolbar } from './canvas-toolbar.tsx';
import { edgeLook } from './edge-look.ts';
import { NODE_TYPE, toCanvasEdge, type WeftCanvasEdge, type WeftCanvasNode } from './flow-mapping.ts';
import { RunBanner } from './run-banner.tsx';
import { useCanvasNodes } from './use-canvas-nodes.ts';
import { useCanvasEdits } from './use-canvas-edits.ts';
import { WireHint } from './wire-hint.tsx';
import { WeftNode } from './weft-node.tsx';

export const PALETTE_MIME = 'application/x-weft-kind';
const nodeTypes = { [NODE_TYPE]: WeftNode };

export function FlowCanvas() {
  const docFlow = useDocument((state) => state.flow);
  const selection = useDocument((state) => state.selection);
  const runId = useRun((state) => state.runId);
  const runFlow = useRun((state) => state.run?.flow);
  const steps = useRun((state) => state.run?.steps);
  const focusedStep = useUi((state) => state.focusedStep);
  const runMode = runId !== null;
  const flow = runMode && runFlow ? runFlow : docFlow;
  const problems = runMode ? null : problemsOf(docFlow);
  const { screenToFlowPosition, fitView, setViewport } = useReactFlow();
  const flowRef = useRef(flow);
  flowRef.current = flow;
  const loadCount = useDocument((state) => state.loadCount);
  const showingPinned = runMode && runFlow !== undefined;
  useEffect(() => {
    // A newly opened flow is framed once its nodes are measured; an empty one starts at the origin.
    if (flowRef.current.nodes.length === 0) {
      void setViewport({ x: 48, y: 48, zoom: 1 });
      return;
    }
    const timer = setTimeout(() => void fitView({ padding: 0.08, maxZoom: 1 }), 60);
    return () => clearTimeout(timer);
  }, [loadCount, showingPinned, fitView, setViewport]);

  const selectedNodes = useMemo(() => new Set(runMode ? (focusedStep ? [focusedStep] : []) : selection.nodes), [runMode, focusedStep, selection.nodes]);
  const { nodes, recordSizes, sizes } = useCanvasNodes(flow, selectedNodes);
  const edges = useMemo(() => {
    const selectedEdges = new Set(runMode ? [] : selection.edges);
    return flow.edges.map((edge) => {
      const canvasEdge = toCanvasEdge(flow, edge, selectedEdges.has(`${edge.from}->${edge.to}`));
      return edgeLook(canvasEdge, edge, runMode ? (steps ?? {}) : undefined, problems);
    });
  }, [flow, selection.edges, runMode, steps, problems]);

  const { onNodesChange, onEdgesChange, onDelete, isValidConnection, onConnect, onConnectEnd } = useCanvasEdits(runMode, recordSizes, flowRef);

  const onDragOver = (event: DragEvent) => {
    if (runMode || !event.dataTransfer.types.includes(PALETTE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  };

  const onDrop = (event: DragEvent) => {
    const kind = event.dataTransfer.getData(PALETTE_MIME);
    if (runMode || !kind) return;
    event.preventDefault();
    const position = screenToFlowPosition({ x: event.clientX, y: event.clientY });
    const store = documentStore.getState();
    const { flow: next, nodeId } = addNode(store.flow, kind, { x: position.x - 24, y: position.y - 24 });
    store.commit(next);
    store.select({ nodes: [nodeId], edges: [] });
    useUi.getState().setRightTab('inspect');
  };

  return (
    <CanvasContext.Provider value={{ runMode, problems }}>
      <div className={`canvas${runMode ? ' canvas-run' : ''}`} data-testid="canvas" onDragOver={onDragOver} onDrop={onDrop}>
        <ReactFlow<WeftCanvasNode, WeftCanvasEdge>
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onDelete={onDelete}
          onConnect={onConnect}
          onConnectEnd={onConnectEnd}
          isValidConnection={isValidConnection}
          onNodeClick={(_event, node) => runMode && useUi.getState().focusStep(node.id)}
          onPaneClick={() => runMode && useUi.getState().focusStep(null)}
          nodesDraggable={!runMode}
          nodesConnectable={!runMode}
          deleteKeyCode={runMode ? null : ['Delete', 'Backspace']}
          multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
          selectionKeyCode="Shift"
          connectionRadius={28}
          minZoom={0.2}
          maxZoom={2}
          attributionPosition="bottom-center"
          defaultEdgeOptions={{ type: 'default' }}
        >
          <Background gap={16} size={1} color="#d9dde3" />
          <Controls showInteractive={false} position="bottom-left" />
          <MiniMap pannable zoomable position="bottom-right" nodeColor={(node) => registry.get((node.data as WeftCanvasNode['data']).node.kind)?.colour ?? '#c7ccd4'} maskColor="rgba(240, 242, 245, 0.7)" />
          <CanvasToolbar sizes={sizes} runMode={runMode} />
          <WireHint flow={flow} />
        </ReactFlow>
        {runMode ? <RunBanner /> : null}
        {!runMode && flow.nodes.length === 0 ? (
          <div className="canvas-empty">
            <div className="canvas-empty-title">An empty flow</div>
            <div>Drag an Input, a Model and an Output from the palette, then wire their ports.</div>
          </div>
        ) : null}
      </div>
    </CanvasContext.Provider>
  );
}
