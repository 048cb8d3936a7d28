/**
 * Flow document <-> React Flow. Node ids are flow node ids; a handle id is `in:<port>` or
 * `out:<port>`; an edge id is `<from>-><to>`, the same key the document diff uses.
 */
import type { Connection, Edge, Node } from '@xyflow/react';
import { formatEndpoint, parseEndpoint, type Flow, type FlowEdge, type FlowNode } from '../../shared/flow.ts';
import { canConnect, PORT_COLOURS, type Fit, type NodePorts, type PortType } from '../../shared/ports.ts';
import { edgeKey } from '../state/flow-diff.ts';
import { findPort, nodePorts } from './node-ports.ts';

export const NODE_TYPE = 'weft';

export interface WeftNodeData extends Record<string, unknown> {
  node: FlowNode;
  ports: NodePorts;
}

export type WeftCanvasNode = Node<WeftNodeData, typeof NODE_TYPE>;

export interface WeftEdgeData extends Record<string, unknown> {
  type: PortType;
}

export type WeftCanvasEdge = Edge<WeftEdgeData>;

export function handleId(direction: 'in' | 'out', port: string): string {
  return `${direction}:${port}`;
}

export function portOfHandle(handle: string | null | undefined): string | undefined {
  if (!handle) return undefined;
  const match = /^(?:in|out):(.+)$/.exec(handle);
  return match ? match[1] : undefined;
}

export function toCanvasNode(node: FlowNode, selected: boolean, measured?: { width: number; height: number }): WeftCanvasNode {
  const canvasNode: WeftCanvasNode = {
    id: node.id,
    type: NODE_TYPE,
    position: { x: node.position.x, y: node.position.y },
    data: { node, ports: nodePorts(node) },
    selected,
  };
  if (measured) canvasNode.measured = measured;
  return canvasNode;
}

export function toCanvasEdge(flow: Flow, edge: FlowEdge, selected: boolean): WeftCanvasEdge {
  const from = parseEndpoint(edge.from);
  const to = parseEndpoint(edge.to);
  const source = flow.nodes.find((node) => node.id === from.nodeId);
  const type = (source && findPort(source, 'out', from.port)?.type) ?? 'any';
  return {
    id: edgeKey(edge),
    source: from.nodeId,
    sourceHandle: handleId('out', from.port),
    target: to.nodeId,
    targetHandle: handleId('in', to.port),
    selected,
    data: { type },
    style: { stroke: PORT_COLOURS[type] },
  };
}

/** The flow edge a React Flow connection stands for, or undefined when it names no ports. */
export function connectionToEdge(connection: Pick<Connection, 'source' | 'target' | 'sourceHandle' | 'targetHandle'>): FlowEdge | undefined {
  const fromPort = portOfHandle(connection.sourceHandle);
  const toPort = portOfHandle(connection.targetHandle);
  if (!fromPort || !toPort) return undefined;
  return { from: formatEndpoint(connection.source, fromPort), to: formatEndpoint(connection.target, toPort) };
}

function reaches(flow: Flow, start: string, goal: string): boolean {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (current === goal) return true;
    if (seen.has(current)) continue;
    seen.add(current);
    for (const edge of flow.edges) if (parseEndpoint(edge.from).nodeId === current) stack.push(parseEndpoint(edge.to).nodeId);
  }
  return false;
}

/**
 * Whether a wire may be drawn: the contract's `canConnect` on the two port types, plus the graph
 * rules a single wire can break (a node feeding itself, a cycle).
 */
export function checkConnection(flow: Flow, edge: FlowEdge): Fit {
  const from = parseEndpoint(edge.from);
  const to = parseEndpoint(edge.to);
  const source = flow.nodes.find((node) => node.id === from.nodeId);
  const target = flow.nodes.find((node) => node.id === to.nodeId);
  const out = source && findPort(source, 'out', from.port);
  const into = target && findPort(target, 'in', to.port);
  if (!out || !into) return { ok: false, reason: 'a wire goes from an output port to an input port' };
  const fit = canConnect(out, into);
  if (!fit.ok) return fit;
  if (from.nodeId === to.nodeId) return { ok: false, reason: 'a node cannot feed itself' };
  if (reaches(flow, to.nodeId, from.nodeId)) return { ok: false, reason: 'this wire would form a cycle: flows must be acyclic' };
  return { ok: true };
}
