/**
 * Pure edits of a flow document. Each returns a new flow; the document store turns the change
 * into a reversible diff.
 */
import { formatEndpoint, parseEndpoint, type Flow, type FlowEdge, type FlowNode } from '../../shared/flow.ts';
import { registry } from '../../shared/kinds/registry.ts';
import { PORT_NAME_PATTERN } from '../../shared/ports.ts';
import { edgeKey } from './flow-diff.ts';
import { idStem, nextId } from './node-ids.ts';

export interface XY {
  x: number;
  y: number;
}

export function nodeIds(flow: Flow): Set<string> {
  return new Set(flow.nodes.map((node) => node.id));
}

export function roundPosition(position: XY): XY {
  return { x: Math.round(position.x), y: Math.round(position.y) };
}

/** Adds a node of a kind with its default config; its id is `<kind>-<n>`. */
export function addNode(flow: Flow, kind: string, position: XY): { flow: Flow; nodeId: string } {
  const definition = registry.get(kind);
  if (!definition) throw new Error(`unknown node kind "${kind}"`);
  const id = nextId(kind, nodeIds(flow));
  const node: FlowNode = { id, kind, label: definition.title, position: roundPosition(position), config: definition.defaultConfig() as Record<string, unknown> };
  return { flow: { ...flow, nodes: [...flow.nodes, node] }, nodeId: id };
}

/** Removes nodes (with their wires) and wires by key (`from->to`). */
export function removeElements(flow: Flow, removeNodeIds: Iterable<string>, removeEdgeKeys: Iterable<string> = []): Flow {
  const gone = new Set(removeNodeIds);
  const goneEdges = new Set(removeEdgeKeys);
  if (gone.size === 0 && goneEdges.size === 0) return flow;
  return {
    ...flow,
    nodes: flow.nodes.filter((node) => !gone.has(node.id)),
    edges: flow.edges.filter((edge) => !goneEdges.has(edgeKey(edge)) && !gone.has(parseEndpoint(edge.from).nodeId) && !gone.has(parseEndpoint(edge.to).nodeId)),
  };
}

export function moveNodes(flow: Flow, positions: Record<string, XY>): Flow {
  let changed = false;
  const nodes = flow.nodes.map((node) => {
    const position = positions[node.id];
    if (!position || (position.x === node.position.x && position.y === node.position.y)) return node;
    changed = true;
    return { ...node, position };
  });
  return changed ? { ...flow, nodes } : flow;
}

/** Wires an output to an input. An input takes one wire, so a wire already there is replaced. */
export function connect(flow: Flow, edge: FlowEdge): Flow {
  if (flow.edges.some((existing) => existing.from === edge.from && existing.to === edge.to)) return flow;
  return { ...flow, edges: [...flow.edges.filter((existing) => existing.to !== edge.to), { from: edge.from, to: edge.to }] };
}

export function updateNode(flow: Flow, nodeId: string, patch: { label?: string | undefined; config?: Record<string, unknown> }): Flow {
  return {
    ...flow,
    nodes: flow.nodes.map((node) => {
      if (node.id !== nodeId) return node;
      const next: FlowNode = { ...node, ...(patch.config ? { config: patch.config } : {}) };
      if ('label' in patch) {
        if (patch.label === undefined || patch.label === '') delete next.label;
        else next.label = patch.label;
      }
      return next;
    }),
  };
}

/** Renames a node and every wire that names it. */
export function renameNode(flow: Flow, from: string, to: string): Flow {
  if (from === to) return flow;
  const rewire = (endpoint: string): string => {
    const { nodeId, port } = parseEndpoint(endpoint);
    return nodeId === from ? formatEndpoint(to, port) : endpoint;
  };
  return {
    ...flow,
    nodes: flow.nodes.map((node) => (node.id === from ? { ...node, id: to } : node)),
    edges: flow.edges.map((edge) => ({ from: rewire(edge.from), to: rewire(edge.to) })),
  };
}

export interface Clipboard {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

/** The selected nodes and the wires between them. */
export function copyNodes(flow: Flow, ids: Iterable<string>): Clipboard {
  const chosen = new Set(ids);
  return {
    nodes: flow.nodes.filter((node) => chosen.has(node.id)),
    edges: flow.edges.filter((edge) => chosen.has(parseEndpoint(edge.from).nodeId) && chosen.has(parseEndpoint(edge.to).nodeId)),
  };
}

/** Pastes copies with fresh ids, shifted by `offset`, wired to each other as the originals were. */
export function pasteNodes(flow: Flow, clipboard: Clipboard, offset: XY = { x: 40, y: 40 }): { flow: Flow; nodeIds: string[] } {
  const taken = nodeIds(flow);
  const renamed = new Map<string, string>();
  const nodes = clipboard.nodes.map((node) => {
    const id = nextId(idStem(node.id), taken);
    taken.add(id);
    renamed.set(node.id, id);
    return { ...structuredClone(node), id, position: roundPosition({ x: node.position.x + offset.x, y: node.position.y + offset.y }) };
  });
  const rename = (endpoint: string): string => {
    const { nodeId, port } = parseEndpoint(endpoint);
    return formatEndpoint(renamed.get(nodeId) ?? nodeId, port);
  };
  const edges = clipboard.edges.filter((edge) => renamed.has(parseEndpoint(edge.from).nodeId) && renamed.has(parseEndpoint(edge.to).nodeId)).map((edge) => ({ from: rename(edge.from), to: rename(edge.to) }));
  return { flow: { ...flow, nodes: [...flow.nodes, ...nodes], edges: [...flow.edges, ...edges] }, nodeIds: nodes.map((node) => node.id) };
}

export function emptyFlow(id: string, name: string): Flow {
  return { $schema: './flow.schema.json', schemaVersion: 1, id, name, nodes: [], edges: [] };
}

/**
 * Sets a node's config and keeps its wires when the change renamed a port in place (the same
 * position in the list, a new valid name): a person renaming `text` to `question` keeps the wire.
 */
export function updateConfig(flow: Flow, nodeId: string, config: Record<string, unknown>): Flow {
  const node = flow.nodes.find((candidate) => candidate.id === nodeId);
  if (!node) return flow;
  const definition = registry.get(node.kind);
  const portsOf = (value: Record<string, unknown>) => {
    try {
      return definition?.ports(value as never);
    } catch {
      return undefined;
    }
  };
  const before = portsOf(node.config);
  const after = portsOf(config);
  let next = updateNode(flow, nodeId, { config });
  if (!before || !after) return next;
  for (const side of ['inputs', 'outputs'] as const) {
    if (before[side].length !== after[side].length) continue;
    before[side].forEach((port, index) => {
      const renamed = after[side][index]?.name;
      if (!renamed || renamed === port.name || !PORT_NAME_PATTERN.test(renamed) || !PORT_NAME_PATTERN.test(port.name)) return;
      const from = formatEndpoint(nodeId, port.name);
      const to = formatEndpoint(nodeId, renamed);
      next = { ...next, edges: next.edges.map((edge) => (side === 'inputs' ? (edge.to === from ? { ...edge, to } : edge) : edge.from === from ? { ...edge, from: to } : edge)) };
    });
  }
  return next;
}
