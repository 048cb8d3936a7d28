/**
 * How readable a laid-out flow is, as the canvas draws it: wires are React Flow's bezier curves
 * from an output handle (leaving right) to an input handle (entering left). Counts wires that cross
 * and wires that pass behind a node that is not one of their ends. Used by the auto layout's tests.
 */
import { parseEndpoint, type Flow } from '../../shared/flow.ts';
import type { XY } from '../state/flow-edits.ts';
import type { NodeGeometry } from './auto-layout.ts';
import { handleId } from './flow-mapping.ts';

interface Wire {
  from: string;
  to: string;
  points: XY[];
}

/** React Flow's `getBezierPath` for a right-to-left wire, sampled (its control offset, curvature 0.25). */
function bezierPoints(source: XY, target: XY, samples = 32): XY[] {
  const distance = target.x - source.x;
  const offset = distance >= 0 ? 0.5 * distance : 0.25 * 25 * Math.sqrt(-distance);
  const c1 = { x: source.x + offset, y: source.y };
  const c2 = { x: target.x - offset, y: target.y };
  const points: XY[] = [];
  for (let index = 0; index <= samples; index++) {
    const t = index / samples;
    const u = 1 - t;
    points.push({
      x: u * u * u * source.x + 3 * u * u * t * c1.x + 3 * u * t * t * c2.x + t * t * t * target.x,
      y: u * u * u * source.y + 3 * u * u * t * c1.y + 3 * u * t * t * c2.y + t * t * t * target.y,
    });
  }
  return points;
}

function segmentsCross(a: XY, b: XY, c: XY, d: XY): boolean {
  const cross = (p: XY, q: XY, r: XY) => (q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x);
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

export interface LayoutQuality {
  /** Pairs of wires that cross, as "a.x→b.y × c.z→d.w". */
  crossings: string[];
  /** Wires drawn behind a node that is not one of their ends, as "a.x→b.y behind node". */
  behind: string[];
}

/** Each wire of the flow as the canvas draws it, sampled, in the order of `flow.edges` (wires to missing ports left out). */
export function wirePoints(flow: Flow, positions: Record<string, XY>, geometryOf: (nodeId: string) => NodeGeometry): XY[][] {
  return wiresOf(flow, positions, geometryOf).map((wire) => wire.points);
}

function wiresOf(flow: Flow, positions: Record<string, XY>, geometryOf: (nodeId: string) => NodeGeometry): Wire[] {
  const wires: Wire[] = [];
  for (const edge of flow.edges) {
    const from = parseEndpoint(edge.from);
    const to = parseEndpoint(edge.to);
    const start = geometryOf(from.nodeId).handles.get(handleId('out', from.port));
    const end = geometryOf(to.nodeId).handles.get(handleId('in', to.port));
    const a = positions[from.nodeId];
    const b = positions[to.nodeId];
    if (!start || !end || !a || !b) continue;
    wires.push({ from: edge.from, to: edge.to, points: bezierPoints({ x: a.x + start.x, y: a.y + start.y }, { x: b.x + end.x, y: b.y + end.y }) });
  }
  return wires;
}

export function layoutQuality(flow: Flow, positions: Record<string, XY>, geometryOf: (nodeId: string) => NodeGeometry): LayoutQuality {
  const wires = wiresOf(flow, positions, geometryOf);
  const crossings: string[] = [];
  for (let i = 0; i < wires.length; i++) {
    for (let j = i + 1; j < wires.length; j++) {
      const [one, two] = [wires[i]!, wires[j]!];
      // Wires that share an end meet there; that is not a crossing.
      if (one.from === two.from || one.to === two.to) continue;
      const crossed = one.points.some((point, k) => k > 0 && two.points.some((other, m) => m > 0 && segmentsCross(one.points[k - 1]!, point, two.points[m - 1]!, other)));
      if (crossed) crossings.push(`${one.from}→${one.to} × ${two.from}→${two.to}`);
    }
  }
  const behind: string[] = [];
  for (const wire of wires) {
    const ends = new Set([parseEndpoint(wire.from).nodeId, parseEndpoint(wire.to).nodeId]);
    for (const node of flow.nodes) {
      if (ends.has(node.id)) continue;
      const at = positions[node.id];
      if (!at) continue;
      const { width, height } = geometryOf(node.id);
      if (wire.points.some((point) => point.x > at.x && point.x < at.x + width && point.y > at.y && point.y < at.y + height)) behind.push(`${wire.from}→${wire.to} behind ${node.id}`);
    }
  }
  return { crossings, behind };
}
