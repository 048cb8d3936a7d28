/**
 * Edits as data: the difference between two flow documents, which can be applied and reversed.
 * Undo and redo replay these diffs (tldraw's RecordsDiff, applied to the flow file's records).
 */
import type { Flow, FlowEdge, FlowNode } from '../../shared/flow.ts';

export interface RecordsDiff<T> {
  added: Record<string, T>;
  updated: Record<string, [from: T, to: T]>;
  removed: Record<string, T>;
}

/** Everything in a flow document except its nodes and edges. */
export type FlowMeta = Omit<Flow, 'nodes' | 'edges'>;

export interface FlowDiff {
  nodes: RecordsDiff<FlowNode>;
  edges: RecordsDiff<FlowEdge>;
  meta?: [from: FlowMeta, to: FlowMeta];
}

export function edgeKey(edge: Pick<FlowEdge, 'from' | 'to'>): string {
  return `${edge.from}->${edge.to}`;
}

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function recordsDiff<T>(before: Map<string, T>, after: Map<string, T>): RecordsDiff<T> {
  const diff: RecordsDiff<T> = { added: {}, updated: {}, removed: {} };
  for (const [key, value] of before) {
    const next = after.get(key);
    if (next === undefined) diff.removed[key] = value;
    else if (!same(value, next)) diff.updated[key] = [value, next];
  }
  for (const [key, value] of after) if (!before.has(key)) diff.added[key] = value;
  return diff;
}

export function flowMeta(flow: Flow): FlowMeta {
  const { nodes: _nodes, edges: _edges, ...meta } = flow;
  return meta;
}

export function diffFlows(before: Flow, after: Flow): FlowDiff {
  const nodes = recordsDiff(new Map(before.nodes.map((node) => [node.id, node])), new Map(after.nodes.map((node) => [node.id, node])));
  const edges = recordsDiff(new Map(before.edges.map((edge) => [edgeKey(edge), edge])), new Map(after.edges.map((edge) => [edgeKey(edge), edge])));
  const diff: FlowDiff = { nodes, edges };
  const beforeMeta = flowMeta(before);
  const afterMeta = flowMeta(after);
  if (!same(beforeMeta, afterMeta)) diff.meta = [beforeMeta, afterMeta];
  return diff;
}

function isEmptyRecords<T>(diff: RecordsDiff<T>): boolean {
  return Object.keys(diff.added).length === 0 && Object.keys(diff.updated).length === 0 && Object.keys(diff.removed).length === 0;
}

export function isEmptyDiff(diff: FlowDiff): boolean {
  return isEmptyRecords(diff.nodes) && isEmptyRecords(diff.edges) && diff.meta === undefined;
}

function reverseRecords<T>(diff: RecordsDiff<T>): RecordsDiff<T> {
  const updated: Record<string, [T, T]> = {};
  for (const [key, [from, to]] of Object.entries(diff.updated)) updated[key] = [to, from];
  return { added: diff.removed, updated, removed: diff.added };
}

export function reverseDiff(diff: FlowDiff): FlowDiff {
  const reversed: FlowDiff = { nodes: reverseRecords(diff.nodes), edges: reverseRecords(diff.edges) };
  if (diff.meta) reversed.meta = [diff.meta[1], diff.meta[0]];
  return reversed;
}

function applyRecords<T>(items: readonly T[], keyOf: (item: T) => string, diff: RecordsDiff<T>): T[] {
  const result: T[] = [];
  for (const item of items) {
    const key = keyOf(item);
    // Own keys only: "constructor" is a valid node id, and `key in` would find Object.prototype's.
    if (Object.hasOwn(diff.removed, key)) continue;
    result.push(Object.hasOwn(diff.updated, key) ? diff.updated[key]![1] : item);
  }
  for (const item of Object.values(diff.added)) result.push(item);
  return result;
}

export function applyDiff(flow: Flow, diff: FlowDiff): Flow {
  const meta = diff.meta ? diff.meta[1] : flowMeta(flow);
  return {
    ...meta,
    nodes: applyRecords(flow.nodes, (node) => node.id, diff.nodes),
    edges: applyRecords(flow.edges, edgeKey, diff.edges),
  } as Flow;
}
