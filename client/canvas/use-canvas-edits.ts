/**
 * What React Flow reports (moves, selection, deletes, new wires) turned into document edits:
 * a drag is one undo step, a delete of nodes and wires is one, a refused wire says why.
 */
import type { Connection, Edge, EdgeChange, FinalConnectionState, InternalNode, NodeChange } from '@xyflow/react';
import { useCallback, type RefObject } from 'react';
import type { Flow } from '../../shared/flow.ts';
import { documentStore } from '../state/document.ts';
import { connect, moveNodes, removeElements, roundPosition, type XY } from '../state/flow-edits.ts';
import { useUi } from '../state/ui-store.ts';
import { checkConnection, connectionToEdge, type WeftCanvasEdge, type WeftCanvasNode } from './flow-mapping.ts';
import { refusalReason } from './wire-hint.tsx';

let hintTimer: ReturnType<typeof setTimeout> | undefined;

function showRefusal(text: string): void {
  useUi.getState().setWireHint({ text, refused: true });
  clearTimeout(hintTimer);
  hintTimer = setTimeout(() => useUi.getState().setWireHint(null), 4000);
}

/**
 * React Flow keeps the sizes it measures (dimension changes need nothing from the document), so
 * only moves and selection become edits here.
 */
export function useCanvasEdits(runMode: boolean, flowRef: RefObject<Flow>) {
  const onNodesChange = useCallback(
    (changes: NodeChange<WeftCanvasNode>[]) => {
      if (runMode) return;
      const store = documentStore.getState();
      const positions: Record<string, XY> = {};
      let dragEnded = false;
      let selected: Set<string> | undefined;
      for (const change of changes) {
        if (change.type === 'position') {
          if (change.position) positions[change.id] = change.position;
          if (change.dragging === false) dragEnded = true;
        } else if (change.type === 'select') {
          selected ??= new Set(store.selection.nodes);
          if (change.selected) selected.add(change.id);
          else selected.delete(change.id);
        }
      }
      if (Object.keys(positions).length > 0 || dragEnded) {
        const moved = moveNodes(store.flow, positions);
        if (dragEnded) {
          const rounded = Object.fromEntries(moved.nodes.map((node) => [node.id, roundPosition(node.position)]));
          const final = moveNodes(moved, rounded);
          if (store.transientBase) store.endTransient(final);
          else if (final !== store.flow) store.commit(final);
        } else store.setTransient(moved);
      }
      if (selected) documentStore.getState().select({ nodes: [...selected] });
    },
    [runMode],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<WeftCanvasEdge>[]) => {
      if (runMode) return;
      const store = documentStore.getState();
      let selected: Set<string> | undefined;
      for (const change of changes) {
        if (change.type !== 'select') continue;
        selected ??= new Set(store.selection.edges);
        if (change.selected) selected.add(change.id);
        else selected.delete(change.id);
      }
      if (selected) store.select({ edges: [...selected] });
    },
    [runMode],
  );

  const onDelete = useCallback(({ nodes: goneNodes, edges: goneEdges }: { nodes: WeftCanvasNode[]; edges: Edge[] }) => {
    const store = documentStore.getState();
    store.commit(removeElements(store.flow, goneNodes.map((node) => node.id), goneEdges.map((edge) => edge.id)));
    store.select({ nodes: [], edges: [] });
  }, []);

  const isValidConnection = useCallback((connection: Connection | Edge) => {
    const edge = connectionToEdge(connection as Connection);
    return edge !== undefined && checkConnection(flowRef.current, edge).ok;
  }, []);

  const onConnect = useCallback((connection: Connection) => {
    const edge = connectionToEdge(connection);
    const store = documentStore.getState();
    if (!edge) return;
    const fit = checkConnection(store.flow, edge);
    if (!fit.ok) return showRefusal(fit.reason);
    store.commit(connect(store.flow, edge));
    useUi.getState().setWireHint(null);
  }, []);

  const onConnectEnd = useCallback((_event: MouseEvent | TouchEvent, state: FinalConnectionState<InternalNode>) => {
    if (state.isValid !== false || !state.fromHandle || !state.toHandle) return;
    const reason = refusalReason(flowRef.current, state.fromHandle, state.toHandle);
    if (reason) showRefusal(reason);
  }, []);

  return { onNodesChange, onEdgesChange, onDelete, isValidConnection, onConnect, onConnectEnd };
}
