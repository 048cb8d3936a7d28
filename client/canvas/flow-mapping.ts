/**
 * Flow document <-> React Flow. Node ids are flow node ids; a handle id is `in:<port>` or
 * `out:<port>`; an edge id is `<from>-><to>`, the same key the document diff uses.
 */
import type { Connection, Edge, Node } from '@xyflow/react';
import { formatEndpoint, parseEndpoint, type Flow, type FlowEdge, type FlowNode } from '../../shared/flow.ts';
import { canConnect, PORT_COLOURS, type Fit, type NodePorts, type PortType } from '../../shared/ports.ts';
import { edgeKey } from '../state/flow-diff.ts';
import { nodePorts } from './node-ports.ts';
import { registry } from '../../shared/kinds/registry.ts';
import { calledFlowsContext, calledFlowsVersion } from '../state/called-flows.ts';

export const NODE_TYPE = 'weft';
/** The edge type drawn by `weft-edge.tsx` (a bezier with a run look). */
export const EDGE_TYPE = 'weft';

/**
 * What a node component draws. No position in here: moving a node must not change its data, so a
 * drag re-renders the moved node's wrapper only.
 */
export interface WeftNodeData extends Record<string, unknown> {
  kind: string;
  label: string;
  ports: NodePorts;
  /** The kind's short lines about this config (`summary` in shared/kinds/<kind>.ts). */
  summary: string[];
  /** The node's config, for the kind's declarations that read it (`streamsText.present`). */
  config: unknown;
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

/** Ports by config object: a node's ports change only when its kind or config does (or the flows it calls). */
let portCache = new WeakMap<object, { kind: string; ports: NodePorts }>();
/** Ports by kind and config text, for equal configs in other objects (a run's pinned copy of the flow). */
const portCacheByText = new Map<string, NodePorts>();
const TEXT_CACHE_LIMIT = 5_000;
/** The called flows the caches were filled against (state/called-flows.ts). */
let cachedVersion = -1;

/**
 * A node's ports, computed once per (kind, config) and what is known of the flows nodes call:
 * moving a node, or the same flow arriving as a run's pinned copy, does not check its config
 * against the kind's schema again.
 */
export function portsOf(node: Pick<FlowNode, 'kind' | 'config'>): NodePorts {
  const version = calledFlowsVersion();
  if (version !== cachedVersion) {
    cachedVersion = version;
    portCache = new WeakMap();
    portCacheByText.clear();
  }
  const config = node.config as unknown;
  if (typeof config !== 'object' || config === null) return nodePorts(node, calledFlowsContext());
  const cached = portCache.get(config);
  if (cached && cached.kind === node.kind) return cached.ports;
  const text = `${node.kind}\n${JSON.stringify(config)}`;
  let ports = portCacheByText.get(text);
  if (!ports) {
    ports = nodePorts(node, calledFlowsContext());
    if (portCacheByText.size >= TEXT_CACHE_LIMIT) portCacheByText.clear();
    portCacheByText.set(text, ports);
  }
  portCache.set(config, { kind: node.kind, ports });
  return ports;
}

export function findPort(node: Pick<FlowNode, 'kind' | 'config'>, direction: 'in' | 'out', name: string) {
  const ports = portsOf(node);
  return (direction === 'in' ? ports.inputs : ports.outputs).find((port) => port.name === name);
}

/** A flow's nodes by id and the nodes each node feeds, built once per flow object. */
export interface FlowIndex {
  nodes: ReadonlyMap<string, FlowNode>;
  successors: ReadonlyMap<string, readonly string[]>;
}

const indexCache = new WeakMap<Flow, FlowIndex>();

export function flowIndex(flow: Flow): FlowIndex {
  const cached = indexCache.get(flow);
  if (cached) return cached;
  const nodes = new Map<string, FlowNode>();
  for (const node of flow.nodes) nodes.set(node.id, node);
  const successors = new Map<string, string[]>();
  for (const edge of flow.edges) {
    const from = parseEndpoint(edge.from).nodeId;
    const list = successors.get(from);
    const to = parseEndpoint(edge.to).nodeId;
    if (list) list.push(to);
    else successors.set(from, [to]);
  }
  const index: FlowIndex = { nodes, successors };
  indexCache.set(flow, index);
  return index;
}

const summaryCache = new WeakMap<object, { kind: string; lines: string[] }>();
const NO_LINES: string[] = [];

/** The kind's summary of a node's config, once per config object; none for a config it cannot read. */
export function summaryOf(node: Pick<FlowNode, 'kind' | 'config'>): string[] {
  const config = node.config as unknown;
  const definition = registry.get(node.kind);
  if (!definition || typeof config !== 'object' || config === null) return NO_LINES;
  const cached = summaryCache.get(config);
  if (cached && cached.kind === node.kind) return cached.lines;
  let lines: string[];
  try {
    lines = definition.summary(config as never).filter((line) => typeof line === 'string' && line !== '');
  } catch {
    lines = NO_LINES; // a config its kind's schema refuses: the node's problems say why
  }
  summaryCache.set(config, { kind: node.kind, lines });
  return lines;
}

export function toCanvasNodeData(node: FlowNode): WeftNodeData {
  return { kind: node.kind, label: node.label ?? '', ports: portsOf(node), summary: summaryOf(node), config: node.config };
}

export function toCanvasNode(node: FlowNode, selected: boolean, measured?: { width: number; height: number }, data: WeftNodeData = toCanvasNodeData(node)): WeftCanvasNode {
  const canvasNode: WeftCanvasNode = {
    id: node.id,
    type: NODE_TYPE,
    position: { x: node.position.x, y: node.position.y },
    data,
    selected,
  };
  if (measured) canvasNode.measured = measured;
  return canvasNode;
}

/** The type a wire carries: its source port's, or `any` while that port is not (yet) there. */
export function edgeType(nodes: ReadonlyMap<string, FlowNode>, edge: FlowEdge): PortType {
  const from = parseEndpoint(edge.from);
  const source = nodes.get(from.nodeId);
  return (source && findPort(source, 'out', from.port)?.type) ?? 'any';
}

export function toCanvasEdge(edge: FlowEdge, type: PortType, selected: boolean): WeftCanvasEdge {
  const from = parseEndpoint(edge.from);
  const to = parseEndpoint(edge.to);
  return {
    id: edgeKey(edge),
    type: EDGE_TYPE,
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

function reaches(successors: FlowIndex['successors'], start: string, goal: string): boolean {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (current === goal) return true;
    if (seen.has(current)) continue;
    seen.add(current);
    for (const next of successors.get(current) ?? []) stack.push(next);
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
  const index = flowIndex(flow);
  const source = index.nodes.get(from.nodeId);
  const target = index.nodes.get(to.nodeId);
  const out = source && findPort(source, 'out', from.port);
  const into = target && findPort(target, 'in', to.port);
  if (!out || !into) return { ok: false, reason: 'a wire goes from an output port to an input port' };
  const fit = canConnect(out, into);
  if (!fit.ok) return fit;
  if (from.nodeId === to.nodeId) return { ok: false, reason: 'a node cannot feed itself' };
  if (reaches(index.successors, to.nodeId, from.nodeId)) return { ok: false, reason: 'this wire would form a cycle: flows must be acyclic' };
  return { ok: true };
}
