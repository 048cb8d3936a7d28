/**
 * The React Flow edges of a flow. An edge object is rebuilt only when what it carries changed: its
 * type (its source node's ports), selection or problem; the list is reused when no edge changed.
 * A run's look of a wire is not in here: each wire selects it from the run store (`weft-edge.tsx`),
 * so run events never change this list.
 */
import { parseEndpoint, type Flow, type FlowEdge, type FlowNode } from '../../shared/flow.ts';
import type { PortType } from '../../shared/ports.ts';
import { edgeKey } from '../state/flow-diff.ts';
import type { ProblemIndex } from '../state/problems.ts';
import { edgeType, flowIndex, toCanvasEdge, type WeftCanvasEdge } from './flow-mapping.ts';

export const PROBLEM_STROKE = '#d64545';

export interface EdgeInputs {
  flow: Flow;
  selected: ReadonlySet<string>;
  problems: ProblemIndex | null;
  /** A run is shown: wires cannot be selected and show no problems. */
  runMode: boolean;
  /** What is known of the flows nodes call (state/called-flows.ts): a calling node's ports change with it. */
  version?: number;
}

interface Entry {
  sourceNode: FlowNode | undefined;
  version: number;
  type: PortType;
  /** Everything the edge object shows, to reuse it when its inputs changed but not what it shows. */
  look: string;
  edge: WeftCanvasEdge;
}

function buildEdge(flowEdge: FlowEdge, type: PortType, selected: boolean, problem: boolean, runMode: boolean): WeftCanvasEdge {
  const edge = toCanvasEdge(flowEdge, type, selected);
  if (runMode) return { ...edge, selectable: false };
  return problem ? { ...edge, className: 'edge-problem', style: { ...edge.style, stroke: PROBLEM_STROKE } } : edge;
}

export type EdgeMapper = (inputs: EdgeInputs) => WeftCanvasEdge[];

export function createEdgeMapper(): EdgeMapper {
  let cache = new Map<string, Entry>();
  let previous: WeftCanvasEdge[] = [];
  return ({ flow, selected: selectedKeys, problems, runMode, version = 0 }) => {
    const { nodes } = flowIndex(flow);
    const next = new Map<string, Entry>();
    let changed = flow.edges.length !== previous.length;
    const list = flow.edges.map((flowEdge, index) => {
      const key = edgeKey(flowEdge);
      const entry = cache.get(key);
      const sourceNode = nodes.get(parseEndpoint(flowEdge.from).nodeId);
      const selected = !runMode && selectedKeys.has(key);
      const problem = !runMode && (problems?.byEdge.has(key) ?? false);
      const type = entry && entry.sourceNode === sourceNode && entry.version === version ? entry.type : edgeType(nodes, flowEdge);
      const look = `${runMode}|${type}|${selected}|${problem}`;
      const edge = entry && entry.look === look ? entry.edge : buildEdge(flowEdge, type, selected, problem, runMode);
      next.set(key, { sourceNode, version, type, look, edge });
      if (previous[index] !== edge) changed = true;
      return edge;
    });
    cache = next;
    if (changed) previous = list;
    return previous;
  };
}
