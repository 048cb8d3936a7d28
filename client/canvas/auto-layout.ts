/**
 * Auto layout for data-flow diagrams with ports: elkjs's layered algorithm, left to right, with
 * each port fixed where the node draws its handle (`elk.portConstraints: FIXED_POS`). ELK orders
 * the nodes of each layer to keep wires from crossing (it sees which port a wire leaves and enters)
 * and routes long wires through lanes of their own, so a wire does not pass behind a node. Sizes
 * and handle positions are React Flow's measurements where it has them, else the estimates
 * `canvas-nodes.ts` draws nodes with before measuring.
 */
import ELK, { type ElkNode } from 'elkjs/lib/elk.bundled.js';
import { parseEndpoint, type Flow, type FlowNode } from '../../shared/flow.ts';
import type { XY } from '../state/flow-edits.ts';
import { estimatedHandles, estimatedSize } from './canvas-nodes.ts';
import { handleId, toCanvasNodeData } from './flow-mapping.ts';
import { layoutQuality, wirePoints } from './layout-quality.ts';

export interface NodeGeometry {
  width: number;
  height: number;
  /** Handle centres relative to the node's top-left corner, by handle id (`in:name`, `out:name`). */
  handles: ReadonlyMap<string, XY>;
}

/** A node's geometry as drawn before React Flow measures it. */
export function estimatedGeometry(node: FlowNode): NodeGeometry {
  const data = toCanvasNodeData(node);
  const size = estimatedSize(data);
  const handles = new Map(estimatedHandles(data, size).map((handle) => [handle.id ?? '', { x: handle.x + (handle.width ?? 0) / 2, y: handle.y + (handle.height ?? 0) / 2 }]));
  return { ...size, handles };
}

const BASE_OPTIONS = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.spacing.nodeNode': '48',
  'elk.layered.spacing.nodeNodeBetweenLayers': '96',
  'elk.layered.crossingMinimization.strategy': 'LAYER_SWEEP',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
};

/** Node placements tried in turn; the first that draws cleanly wins (see `layoutPositions`). */
const PLACEMENTS: Array<Record<string, string>> = [
  { 'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX' },
  { 'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF', 'elk.layered.nodePlacement.bk.fixedAlignment': 'LEFTDOWN' },
];

/** Space kept between a wire and a node it is moved clear of. */
const CLEARANCE = 24;
const REPAIR_ROUNDS = 12;

const portKey = (nodeId: string, handle: string) => `${nodeId}/${handle}`;

let elk: InstanceType<typeof ELK> | undefined;

function elkGraph(flow: Flow, geometryOf: (node: FlowNode) => NodeGeometry): Pick<ElkNode, 'children' | 'edges'> {
  const children: ElkNode[] = flow.nodes.map((node) => {
    const geometry = geometryOf(node);
    const ports = [...geometry.handles].map(([handle, centre]) => ({
      id: portKey(node.id, handle),
      x: handle.startsWith('in:') ? 0 : geometry.width,
      y: centre.y,
      width: 1,
      height: 1,
      layoutOptions: { 'elk.port.side': handle.startsWith('in:') ? 'WEST' : 'EAST' },
    }));
    return { id: node.id, width: geometry.width, height: geometry.height, ports, layoutOptions: { 'elk.portConstraints': 'FIXED_POS' } };
  });
  const ports = new Set(children.flatMap((child) => child.ports?.map((port) => port.id) ?? []));
  const edges = flow.edges.flatMap((edge, index) => {
    const from = parseEndpoint(edge.from);
    const to = parseEndpoint(edge.to);
    const source = portKey(from.nodeId, handleId('out', from.port));
    const target = portKey(to.nodeId, handleId('in', to.port));
    // A wire to a port that does not exist (a flow with problems) is left out of the layout.
    return ports.has(source) && ports.has(target) ? [{ id: `edge-${index}`, sources: [source], targets: [target] }] : [];
  });
  return { children, edges };
}

function overlaps(flow: Flow, positions: Record<string, XY>, geometry: (nodeId: string) => NodeGeometry): number {
  let count = 0;
  for (let i = 0; i < flow.nodes.length; i++) {
    for (let j = i + 1; j < flow.nodes.length; j++) {
      const [a, b] = [flow.nodes[i]!.id, flow.nodes[j]!.id];
      const [pa, pb, ga, gb] = [positions[a]!, positions[b]!, geometry(a), geometry(b)];
      if (pa.x < pb.x + gb.width && pb.x < pa.x + ga.width && pa.y < pb.y + gb.height + 16 && pb.y < pa.y + ga.height + 16) count++;
    }
  }
  return count;
}

function score(flow: Flow, positions: Record<string, XY>, geometry: (nodeId: string) => NodeGeometry): number {
  const quality = layoutQuality(flow, positions, geometry);
  return quality.crossings.length + quality.behind.length + 2 * overlaps(flow, positions, geometry);
}

/**
 * React Flow draws a wire as one bezier from port to port, not along ELK's route, so a wire that
 * skips a layer can still cut through a node ELK placed beside its lane. Such a node is moved just
 * clear of the wire, above or below, whichever leaves fewer crossings, wires behind nodes and
 * overlaps; a move is kept only when it makes the drawing better.
 */
function repair(flow: Flow, start: Record<string, XY>, geometry: (nodeId: string) => NodeGeometry): Record<string, XY> {
  let positions = start;
  let best = score(flow, positions, geometry);
  for (let round = 0; round < REPAIR_ROUNDS && best > 0; round++) {
    const { behind } = layoutQuality(flow, positions, geometry);
    // Of every move that clears one wire, the one that leaves the best drawing.
    let next: { positions: Record<string, XY>; score: number } | undefined;
    for (const { nodeId, wireTop, wireBottom } of behindSpans(flow, positions, geometry, behind)) {
      const at = positions[nodeId]!;
      const { height } = geometry(nodeId);
      for (const y of [wireTop - CLEARANCE - height, wireBottom + CLEARANCE]) {
        const moved = { ...positions, [nodeId]: { x: at.x, y } };
        const movedScore = score(flow, moved, geometry);
        if (movedScore < (next?.score ?? best)) next = { positions: moved, score: movedScore };
      }
    }
    if (!next) break;
    positions = next.positions;
    best = next.score;
  }
  return positions;
}

/** For each wire drawn behind a node: that node, and how high and low the wire runs across it. */
function behindSpans(flow: Flow, positions: Record<string, XY>, geometry: (nodeId: string) => NodeGeometry, behind: string[]) {
  return behind.map((entry) => {
    const [wire, nodeId] = entry.split(' behind ') as [string, string];
    const [from, to] = wire.split('→') as [string, string];
    const span = wireSpan(flow, positions, geometry, from, to, nodeId);
    return { nodeId, wireTop: span.top, wireBottom: span.bottom };
  });
}

function wireSpan(flow: Flow, positions: Record<string, XY>, geometry: (nodeId: string) => NodeGeometry, from: string, to: string, nodeId: string) {
  const single: Flow = { ...flow, edges: [{ from, to }] };
  const points = wirePoints(single, positions, geometry)[0] ?? [];
  const left = positions[nodeId]!.x;
  const right = left + geometry(nodeId).width;
  const across = points.filter((point) => point.x >= left && point.x <= right).map((point) => point.y);
  return { top: Math.min(...across), bottom: Math.max(...across) };
}

export async function layoutPositions(flow: Flow, geometryOf: (node: FlowNode) => NodeGeometry = estimatedGeometry): Promise<Record<string, XY>> {
  const byId = new Map(flow.nodes.map((node) => [node.id, geometryOf(node)]));
  const geometry = (nodeId: string) => byId.get(nodeId) ?? { width: 0, height: 0, handles: new Map() };
  elk ??= new ELK();
  let best: { positions: Record<string, XY>; score: number } | undefined;
  for (const placement of PLACEMENTS) {
    const laid = await elk.layout({ id: 'flow', layoutOptions: { ...BASE_OPTIONS, ...placement }, ...elkGraph(flow, (node) => geometry(node.id)) });
    const placed: Record<string, XY> = {};
    for (const child of laid.children ?? []) placed[child.id] = { x: child.x ?? 0, y: child.y ?? 0 };
    const positions = repair(flow, placed, geometry);
    const placedScore = score(flow, positions, geometry);
    if (!best || placedScore < best.score) best = { positions, score: placedScore };
    if (placedScore === 0) break;
  }
  // Snap to the 8px grid.
  const positions: Record<string, XY> = {};
  for (const [id, at] of Object.entries(best?.positions ?? {})) positions[id] = { x: Math.round(at.x / 8) * 8, y: Math.round(at.y / 8) * 8 };
  return positions;
}
