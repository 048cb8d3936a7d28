/**
 * The canonical flow file: fixed key order, nodes sorted by id, edges sorted by from then to,
 * integer positions, two-space indent, one edge per line, trailing newline.
 * Serialising an unchanged flow gives the same bytes; moving a node changes only its position line.
 */
import type { ScheduleTrigger } from './triggers.ts';
import type { Flow, FlowEdge, FlowNode } from './flow.ts';
import { registry } from './kinds/registry.ts';

export const FLOW_SCHEMA_REFERENCE = './flow.schema.json';

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Keys in the order of the kind's config schema (what zod parsing produces); free JSON keeps its order. */
function orderedConfig(node: FlowNode): Record<string, unknown> {
  const definition = registry.get(node.kind);
  if (!definition) return node.config;
  const parsed = definition.configSchema.safeParse(node.config);
  return parsed.success ? (parsed.data as Record<string, unknown>) : node.config;
}

function canonicalNode(node: FlowNode): FlowNode {
  return {
    id: node.id,
    kind: node.kind,
    ...(node.label !== undefined ? { label: node.label } : {}),
    position: { x: Math.round(node.position.x), y: Math.round(node.position.y) },
    config: orderedConfig(node),
  };
}

export function sortEdges(edges: readonly FlowEdge[]): FlowEdge[] {
  return [...edges]
    .map((edge) => ({ from: edge.from, to: edge.to }))
    .sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to));
}

/** The flow with keys, nodes and edges in canonical order (still a value, not text). */
export function canonicalFlow(flow: Flow): Flow {
  const result: Record<string, unknown> = { $schema: flow.$schema ?? FLOW_SCHEMA_REFERENCE, schemaVersion: flow.schemaVersion, id: flow.id, name: flow.name };
  if (flow.description !== undefined) result.description = flow.description;
  if (flow.settings !== undefined) {
    result.settings = {
      ...(flow.settings.budgetUsd !== undefined ? { budgetUsd: flow.settings.budgetUsd } : {}),
      ...(flow.settings.spendCaps !== undefined ? { spendCaps: flow.settings.spendCaps.map((cap) => ({ period: cap.period, usd: cap.usd, ...(cap.timeZone !== undefined ? { timeZone: cap.timeZone } : {}) })) } : {}),
      ...(flow.settings.triggers !== undefined ? { triggers: flow.settings.triggers.map(canonicalTrigger) } : {}),
    };
  }
  result.nodes = [...flow.nodes].sort((a, b) => compare(a.id, b.id)).map(canonicalNode);
  result.edges = sortEdges(flow.edges);
  return result as Flow;
}

const INDENT = '  ';
/** A flat object or array (no nested containers) prints on one line when it fits in this width. */
const ONE_LINE_WIDTH = 100;

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function oneLine(value: object): string {
  if (Array.isArray(value)) return `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
  const parts = Object.entries(value)
    .filter(([, item]) => item !== undefined)
    .map(([key, item]) => `${JSON.stringify(key)}: ${JSON.stringify(item)}`);
  return `{ ${parts.join(', ')} }`;
}

/** Deterministic JSON text: two-space indent, short flat containers on one line. */
function stringify(value: unknown, depth: number, forceOneLine = false): string {
  if (!isContainer(value)) return JSON.stringify(value);
  const entries: Array<[string | undefined, unknown]> = Array.isArray(value)
    ? value.map((item) => [undefined, item])
    : Object.entries(value).filter(([, item]) => item !== undefined);
  if (entries.length === 0) return Array.isArray(value) ? '[]' : '{}';
  const flat = entries.every(([, item]) => !isContainer(item));
  if (flat) {
    const line = oneLine(value);
    if (forceOneLine || depth * INDENT.length + line.length <= ONE_LINE_WIDTH) return line;
  }
  const inner = INDENT.repeat(depth + 1);
  const lines = entries.map(([key, item]) => `${inner}${key === undefined ? '' : `${JSON.stringify(key)}: `}${stringify(item, depth + 1)}`);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${lines.join(',\n')}\n${INDENT.repeat(depth)}${close}`;
}

function serialiseNode(node: FlowNode, depth: number): string {
  const inner = INDENT.repeat(depth + 1);
  const lines = Object.entries(node).map(([key, value]) => `${inner}${JSON.stringify(key)}: ${stringify(value, depth + 1, key === 'position')}`);
  return `{\n${lines.join(',\n')}\n${INDENT.repeat(depth)}}`;
}

function block(items: string[], depth: number): string {
  if (items.length === 0) return '[]';
  const inner = INDENT.repeat(depth + 1);
  return `[\n${items.map((item) => inner + item).join(',\n')}\n${INDENT.repeat(depth)}]`;
}

/** The canonical text of a flow file. */
export function serializeFlow(flow: Flow): string {
  const canonical = canonicalFlow(flow) as unknown as Record<string, unknown>;
  const lines = Object.entries(canonical).map(([key, value]) => {
    let text: string;
    if (key === 'nodes') text = block((value as FlowNode[]).map((node) => serialiseNode(node, 2)), 1);
    else if (key === 'edges') text = block((value as FlowEdge[]).map((edge) => oneLine(edge)), 1);
    else text = stringify(value, 1);
    return `${INDENT}${JSON.stringify(key)}: ${text}`;
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}

const hashes = new WeakMap<Flow, string>();

/**
 * A short, stable fingerprint of a flow's content (pins the flow a run started with): the same for
 * the same nodes, edges and settings whatever their order in the file. Not cryptographic.
 */
export function flowHash(flow: Flow): string {
  const cached = hashes.get(flow);
  if (cached !== undefined) return cached;
  const text = JSON.stringify(canonicalFlow(flow));
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const hash = (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
  hashes.set(flow, hash);
  return hash;
}

/** A trigger's keys in a fixed order (shared/triggers.ts), so saving it twice gives the same text. */
function canonicalTrigger(trigger: ScheduleTrigger): ScheduleTrigger {
  return {
    type: trigger.type,
    cron: trigger.cron,
    ...(trigger.timezone !== undefined ? { timezone: trigger.timezone } : {}),
    ...(trigger.inputs !== undefined ? { inputs: trigger.inputs } : {}),
    ...(trigger.catchUp !== undefined ? { catchUp: trigger.catchUp } : {}),
  };
}
