/**
 * Graph checks over a flow document. Returns every problem, each naming the node, the port and
 * the rule, so the CLI, the server and the canvas can all show them where they belong.
 */
import type { z } from 'zod';
import { edgeSchema, flowSchema, migrateFlowDocument, nodeSchema, parseEndpoint, type Flow, type FlowEdge, type FlowNode } from './flow.ts';
import { callsOf, checkCalls, closureFrom, kindContext, type FlowLookup } from './flow-calls.ts';
import { checkJsonBounds, type JsonLimits } from './json-bounds.ts';
import { schemaError } from './json-schema.ts';
import { parseJsonText } from './json-text.ts';
import type { KindContext } from './kinds/define-kind.ts';
import { registry } from './kinds/registry.ts';
import { canConnect, type NodePorts, type PortSpec } from './ports.ts';
import { templateNames } from './template.ts';

export type ProblemRule =
  | 'invalid-json'
  | 'bounds'
  | 'file'
  | 'schema-version'
  | 'structure'
  | 'bad-id'
  | 'unknown-kind'
  | 'config'
  | 'duplicate-node'
  | 'duplicate-port'
  | 'duplicate-input-field'
  | 'bad-schema'
  | 'template'
  | 'missing-node'
  | 'missing-port'
  | 'wrong-direction'
  | 'type-mismatch'
  | 'multiple-wires'
  | 'duplicate-edge'
  | 'unwired-input'
  | 'cycle'
  | 'missing-flow'
  | 'flow-cycle'
  | 'nesting-depth'
  | 'too-many-flows'
  | 'invalid-flow';

export interface Problem {
  rule: ProblemRule;
  message: string;
  /** Where in the document, e.g. `nodes[2].config.inputs[0].name`. */
  path: string;
  nodeId?: string;
  port?: string;
  edge?: FlowEdge;
  /** For invalid JSON. */
  line?: number;
  column?: number;
}

export type ValidationResult = { ok: true; flow: Flow; problems: [] } | { ok: false; flow?: undefined; problems: Problem[] };

/** A flow file may be large (10,000 nodes of about 20 keys each), but never deeper than a schema needs. */
const FLOW_DOCUMENT_LIMITS: Partial<JsonLimits> = { maxDepth: 64, maxBytes: 64 * 1024 * 1024, maxEntries: 2_000_000 };

export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')} (not part of this schema)`;
  }
  return issue.message;
}

function zodProblems(error: z.ZodError, base: PropertyKey[], context: Pick<Problem, 'nodeId'>, rule: ProblemRule): Problem[] {
  return error.issues.map((issue) => {
    const path = formatPath([...base, ...issue.path]);
    const last = issue.path[issue.path.length - 1];
    const problemRule: ProblemRule = rule === 'structure' && last === 'id' && issue.code === 'invalid_format' ? 'bad-id' : rule;
    return { rule: problemRule, message: `${path || 'flow'}: ${issueMessage(issue)}`, path, ...context };
  });
}

interface CheckedNode {
  node: FlowNode;
  index: number;
  ports?: NodePorts;
}

export interface ValidateOptions {
  /**
   * The other flows, by id (the flows directory, the flows repository, a run's pinned flows): a
   * subflow's ports are its child's fields. Without it, every call of another flow is a
   * `missing-flow` problem.
   */
  flows?: FlowLookup;
  /** False: check this flow's own graph only (its calls are being checked from the flow that called it). */
  calls?: boolean;
}

/** Parse a flow file's text: JSON, version, structure and graph. */
export function validateFlowText(text: string, options: ValidateOptions = {}): ValidationResult {
  const json = parseJsonText(text);
  if (!json.ok) return { ok: false, problems: [{ rule: 'invalid-json', message: json.message, path: '', line: json.line, column: json.column }] };
  return validateFlowDocument(json.value, options);
}

/** Validate a parsed document (from a file, a request body or the editor). */
export function validateFlowDocument(document: unknown, options: ValidateOptions = {}): ValidationResult {
  // Bounded first, by an iterative walk: every later check may recurse, and a "__proto__" key would
  // be dropped silently by the schemas below instead of refused.
  const bounds = checkJsonBounds(document, FLOW_DOCUMENT_LIMITS);
  if (bounds) return { ok: false, problems: [{ rule: 'bounds', message: `flow: ${bounds.message}`, path: formatPath(bounds.keys) }] };
  const migrated = migrateFlowDocument(document);
  if (!migrated.ok) return { ok: false, problems: [{ rule: 'schema-version', message: migrated.message, path: 'schemaVersion' }] };
  const raw = migrated.document as Record<string, unknown>;
  const problems: Problem[] = [];

  const parsed = flowSchema.safeParse(raw);
  const rawNodes = Array.isArray(raw.nodes) ? (raw.nodes as unknown[]) : [];
  const rawEdges = Array.isArray(raw.edges) ? (raw.edges as unknown[]) : [];
  if (!parsed.success) {
    // Report structural problems, naming the node where there is one, then keep checking what is well-formed.
    for (const issue of parsed.error.issues) {
      const [head, index] = issue.path;
      const rawNode = head === 'nodes' && typeof index === 'number' ? (rawNodes[index] as { id?: unknown } | undefined) : undefined;
      const nodeId = typeof rawNode?.id === 'string' ? rawNode.id : undefined;
      problems.push(...zodProblems({ issues: [issue] } as z.ZodError, [], nodeId ? { nodeId } : {}, 'structure'));
    }
  }
  const nodes: CheckedNode[] = [];
  rawNodes.forEach((candidate, index) => {
    const node = nodeSchema.safeParse(candidate);
    if (node.success) nodes.push({ node: node.data, index });
  });
  const edges = rawEdges.flatMap((candidate, index) => {
    const edge = edgeSchema.safeParse(candidate);
    return edge.success ? [{ edge: edge.data, index }] : [];
  });
  const lookup = options.flows ?? (() => undefined);
  const context = kindContext(lookup);
  problems.push(...checkGraph(nodes, edges, context));
  if (parsed.success && options.calls !== false) problems.push(...callProblems(parsed.data, lookup));
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, flow: parsed.data, problems: [] };
}

/** The call graph's rules (shared/flow-calls.ts), then every called flow's own checks, named on the node that calls it. */
function callProblems(flow: Flow, lookup: FlowLookup): Problem[] {
  const problems: Problem[] = checkCalls(flow, lookup).map((problem) => ({ rule: problem.rule, message: problem.message, path: `nodes[${problem.index}].config`, nodeId: problem.nodeId }));
  if (problems.length > 0) return problems;
  const find: FlowLookup = (id) => (id === flow.id ? flow : lookup(id));
  for (const [id, child] of closureFrom(flow, find)) {
    const own = validateFlowDocument(child, { flows: find, calls: false });
    if (own.ok) continue;
    const caller = callsOf(flow).find((call) => call.flowId === id);
    const first = own.problems[0]!;
    problems.push({
      rule: 'invalid-flow',
      message: `flow "${id}"${caller ? ` (called by node "${caller.nodeId}")` : ''} has ${own.problems.length} problem${own.problems.length === 1 ? '' : 's'}: ${first.message}`,
      path: caller ? `nodes[${caller.index}].config` : 'nodes',
      ...(caller ? { nodeId: caller.nodeId } : {}),
    });
  }
  return problems;
}

/** Problems of an in-memory flow (the editor's live check). */
export function validateFlow(flow: Flow, options: ValidateOptions = {}): Problem[] {
  const result = validateFlowDocument(flow, options);
  return result.problems;
}

function checkNode(checked: CheckedNode, context: KindContext): Problem[] {
  const { node, index } = checked;
  const where = { nodeId: node.id };
  const definition = registry.get(node.kind);
  if (!definition) {
    const known = registry.list().map((kind) => kind.kind).join(', ');
    return [{ rule: 'unknown-kind', message: `node "${node.id}": unknown kind "${node.kind}" (known kinds: ${known})`, path: `nodes[${index}].kind`, ...where }];
  }
  const config = definition.configSchema.safeParse(node.config);
  if (!config.success) {
    return zodProblems(config.error, ['nodes', index, 'config'], where, 'config').map((problem) => ({
      ...problem,
      message: `node "${node.id}" (${node.kind}): ${problem.message}`,
    }));
  }
  const problems: Problem[] = [];
  for (const problem of definition.check?.(config.data as never, context) ?? []) {
    const path = formatPath(['nodes', index, 'config', ...problem.path]);
    problems.push({ rule: 'config', message: `node "${node.id}" (${node.kind}): ${path}: ${problem.message}`, path, ...where });
  }
  const ports = definition.ports(config.data as never, context);
  checked.ports = ports;
  for (const side of ['inputs', 'outputs'] as const) {
    const seen = new Set<string>();
    for (const port of ports[side]) {
      if (seen.has(port.name)) {
        problems.push({ rule: 'duplicate-port', message: `node "${node.id}": two ${side === 'inputs' ? 'input' : 'output'} ports named "${port.name}"`, path: `nodes[${index}].config`, nodeId: node.id, port: port.name });
      }
      seen.add(port.name);
      if (port.schema !== undefined) {
        const error = schemaError(port.schema);
        if (error) problems.push({ rule: 'bad-schema', message: `node "${node.id}" port "${port.name}": unusable JSON Schema: ${error}`, path: `nodes[${index}].config`, nodeId: node.id, port: port.name });
      }
    }
  }
  for (const template of definition.templates?.(config.data as never) ?? []) {
    for (const name of templateNames(template.text)) {
      if (!ports.inputs.some((port) => port.name === name)) {
        problems.push({ rule: 'template', message: `node "${node.id}": ${template.key} uses {{${name}}} but there is no input port "${name}"`, path: `nodes[${index}].config.${template.key}`, nodeId: node.id, port: name });
      }
    }
  }
  return problems;
}

function findPort(ports: NodePorts, direction: 'inputs' | 'outputs', name: string): PortSpec | undefined {
  return ports[direction].find((port) => port.name === name);
}

function checkGraph(nodes: CheckedNode[], edges: Array<{ edge: FlowEdge; index: number }>, context: KindContext): Problem[] {
  const problems: Problem[] = [];
  const byId = new Map<string, CheckedNode>();
  for (const checked of nodes) {
    if (byId.has(checked.node.id)) {
      problems.push({ rule: 'duplicate-node', message: `two nodes have the id "${checked.node.id}"`, path: `nodes[${checked.index}].id`, nodeId: checked.node.id });
      continue;
    }
    byId.set(checked.node.id, checked);
    problems.push(...checkNode(checked, context));
  }

  const inputFieldOwner = new Map<string, string>();
  for (const checked of byId.values()) {
    if (!registry.get(checked.node.kind)?.takesRunInputs || !checked.ports) continue;
    for (const port of checked.ports.outputs) {
      const owner = inputFieldOwner.get(port.name);
      if (owner === checked.node.id) continue; // a repeat inside one node is a duplicate-port
      if (owner) problems.push({ rule: 'duplicate-input-field', message: `run input "${port.name}" is declared by both "${owner}" and "${checked.node.id}"`, path: `nodes[${checked.index}].config.fields`, nodeId: checked.node.id, port: port.name });
      else inputFieldOwner.set(port.name, checked.node.id);
    }
  }

  const wiredInputs = new Map<string, FlowEdge>();
  const seenEdges = new Set<string>();
  const successors = new Map<string, Set<string>>();
  for (const { edge, index } of edges) {
    const path = `edges[${index}]`;
    const key = `${edge.from}->${edge.to}`;
    if (seenEdges.has(key)) {
      problems.push({ rule: 'duplicate-edge', message: `the wire ${edge.from} -> ${edge.to} appears twice`, path, edge });
      continue;
    }
    seenEdges.add(key);
    const from = parseEndpoint(edge.from);
    const to = parseEndpoint(edge.to);
    const source = byId.get(from.nodeId);
    const target = byId.get(to.nodeId);
    let ends: [PortSpec, PortSpec] | undefined;
    if (!source) problems.push({ rule: 'missing-node', message: `wire ${edge.from} -> ${edge.to}: there is no node "${from.nodeId}"`, path: `${path}.from`, edge, nodeId: from.nodeId });
    if (!target) problems.push({ rule: 'missing-node', message: `wire ${edge.from} -> ${edge.to}: there is no node "${to.nodeId}"`, path: `${path}.to`, edge, nodeId: to.nodeId });
    if (source?.ports && target?.ports) {
      const out = findPort(source.ports, 'outputs', from.port);
      const into = findPort(target.ports, 'inputs', to.port);
      if (!out) problems.push(endProblem(edge, `${path}.from`, from.nodeId, from.port, findPort(source.ports, 'inputs', from.port) ? 'input' : undefined, source.node.kind));
      if (!into) problems.push(endProblem(edge, `${path}.to`, to.nodeId, to.port, findPort(target.ports, 'outputs', to.port) ? 'output' : undefined, target.node.kind));
      if (out && into) ends = [out, into];
    }
    if (ends) {
      const fit = canConnect(ends[0], ends[1]);
      if (!fit.ok) problems.push({ rule: 'type-mismatch', message: `wire ${edge.from} -> ${edge.to}: ${fit.reason}`, path, edge, nodeId: to.nodeId, port: to.port });
    }
    // The wire is there even when its other end is broken (reported above): never also call the input unwired.
    const targetPortKnown = target?.ports ? findPort(target.ports, 'inputs', to.port) !== undefined : false;
    if (targetPortKnown) {
      const existing = wiredInputs.get(edge.to);
      if (existing) problems.push({ rule: 'multiple-wires', message: `input ${edge.to} has two wires (from ${existing.from} and ${edge.from}); an input takes one`, path, edge, nodeId: to.nodeId, port: to.port });
      else wiredInputs.set(edge.to, edge);
    }
    if (source && target) {
      const next = successors.get(from.nodeId) ?? new Set<string>();
      next.add(to.nodeId);
      successors.set(from.nodeId, next);
    }
  }

  for (const checked of byId.values()) {
    for (const port of checked.ports?.inputs ?? []) {
      if (port.required && !wiredInputs.has(`${checked.node.id}.${port.name}`)) {
        problems.push({ rule: 'unwired-input', message: `node "${checked.node.id}": required input "${port.name}" has no wire`, path: `nodes[${checked.index}]`, nodeId: checked.node.id, port: port.name });
      }
    }
  }

  for (const cycle of findCycles([...byId.keys()], successors)) {
    problems.push({ rule: 'cycle', message: `the wires form a cycle: ${[...cycle, cycle[0]].join(' -> ')} (flows must be acyclic)`, path: 'edges', nodeId: cycle[0]! });
  }
  return problems;
}

function endProblem(edge: FlowEdge, path: string, nodeId: string, port: string, otherSide: 'input' | 'output' | undefined, kind: string): Problem {
  if (otherSide === 'input') {
    return { rule: 'wrong-direction', message: `wire ${edge.from} -> ${edge.to}: "${port}" is an input of "${nodeId}"; a wire starts at an output`, path, edge, nodeId, port };
  }
  if (otherSide === 'output') {
    return { rule: 'wrong-direction', message: `wire ${edge.from} -> ${edge.to}: "${port}" is an output of "${nodeId}"; a wire ends at an input`, path, edge, nodeId, port };
  }
  return { rule: 'missing-port', message: `wire ${edge.from} -> ${edge.to}: ${kind} node "${nodeId}" has no ${path.endsWith('from') ? 'output' : 'input'} port "${port}"`, path, edge, nodeId, port };
}

/**
 * Strongly connected components with more than one node, or a node wired to itself (Tarjan's
 * algorithm, iterative: a chain of 10,000 nodes must not overflow the stack).
 */
export function findCycles(ids: string[], successors: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  for (const root of ids) {
    if (index.has(root)) continue;
    const frames: Array<{ id: string; next: Iterator<string> }> = [];
    const enter = (id: string): void => {
      index.set(id, counter);
      low.set(id, counter);
      counter++;
      stack.push(id);
      onStack.add(id);
      frames.push({ id, next: (successors.get(id) ?? new Set<string>()).values() });
    };
    enter(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const step = frame.next.next();
      if (!step.done) {
        const next = step.value;
        if (!index.has(next)) enter(next);
        else if (onStack.has(next)) low.set(frame.id, Math.min(low.get(frame.id)!, index.get(next)!));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        if (component.length > 1 || successors.get(frame.id)?.has(frame.id)) cycles.push(orderCycle(component.reverse(), successors));
      }
    }
  }
  return cycles;
}

/**
 * A cycle through the component's smallest id along real wires (shortest, by breadth-first search),
 * so the message names only wires that exist.
 */
function orderCycle(component: string[], successors: Map<string, Set<string>>): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  if (successors.get(start)?.has(start)) return [start];
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const next of [...(successors.get(current) ?? [])].sort()) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [current];
        while (path[0] !== start) path.unshift(parent.get(path[0]!)!);
        return path;
      }
      if (!parent.has(next)) {
        parent.set(next, current);
        queue.push(next);
      }
    }
  }
  return [...component];
}
