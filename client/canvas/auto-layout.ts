/** Left-to-right layout of a flow with dagre, using measured node sizes where known. */
import dagre from '@dagrejs/dagre';
import { parseEndpoint, type Flow } from '../../shared/flow.ts';
import type { XY } from '../state/flow-edits.ts';

export const DEFAULT_NODE_SIZE = { width: 240, height: 150 };

export function layoutPositions(flow: Flow, sizes: ReadonlyMap<string, { width: number; height: number }> = new Map()): Record<string, XY> {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 48, ranksep: 96, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of flow.nodes) {
    const size = sizes.get(node.id) ?? DEFAULT_NODE_SIZE;
    graph.setNode(node.id, { width: size.width, height: size.height });
  }
  for (const edge of flow.edges) {
    const from = parseEndpoint(edge.from).nodeId;
    const to = parseEndpoint(edge.to).nodeId;
    if (graph.hasNode(from) && graph.hasNode(to)) graph.setEdge(from, to);
  }
  dagre.layout(graph);
  const positions: Record<string, XY> = {};
  for (const node of flow.nodes) {
    const laid = graph.node(node.id);
    const size = sizes.get(node.id) ?? DEFAULT_NODE_SIZE;
    // dagre gives centres; React Flow positions are top-left corners. Snap to the 8px grid.
    positions[node.id] = { x: Math.round((laid.x - size.width / 2) / 8) * 8, y: Math.round((laid.y - size.height / 2) / 8) * 8 };
  }
  return positions;
}
