/**
 * The live validation of the document, computed once per flow version (and per what is known of
 * the flows it calls, state/called-flows.ts) and shared by every view.
 */
import { callsOf } from '../../shared/flow-calls.ts';
import type { Flow } from '../../shared/flow.ts';
import { validateFlowDocument, type Problem } from '../../shared/validate.ts';
import { calledFlow, callsKnown, useCalledFlows } from './called-flows.ts';
import { useDocument } from './document.ts';

export interface ProblemIndex {
  all: Problem[];
  byNode: Map<string, Problem[]>;
  /** `node.port` -> problems of that port (`in:` or `out:` is not known, the name is). */
  byPort: Map<string, Problem[]>;
  /** Edge key `from->to` -> problems of that wire. */
  byEdge: Map<string, Problem[]>;
}

let cache = new WeakMap<Flow, ProblemIndex>();
/** The called flows the cache was filled against. */
let cachedVersion = 0;

function push<K>(map: Map<K, Problem[]>, key: K, problem: Problem): void {
  const list = map.get(key);
  if (list) list.push(problem);
  else map.set(key, [problem]);
}

/** The last flow validated, so a flow that differs from it only by where nodes sit reuses its problems. */
let last: { flow: Flow; index: ProblemIndex } | undefined;

/** Whether two flows differ at most in node positions, which no rule looks at (a drag makes many such flows). */
function differsOnlyInPositions(a: Flow, b: Flow): boolean {
  if (a.edges !== b.edges || a.nodes.length !== b.nodes.length || a.id !== b.id || a.name !== b.name || a.settings !== b.settings || a.description !== b.description || a.schemaVersion !== b.schemaVersion) return false;
  for (let index = 0; index < a.nodes.length; index++) {
    const x = a.nodes[index]!;
    const y = b.nodes[index]!;
    if (x !== y && (x.id !== y.id || x.kind !== y.kind || x.label !== y.label || x.config !== y.config || Object.keys(x).length !== Object.keys(y).length)) return false;
  }
  return true;
}

/**
 * The flow's problems, with the flows it calls as far as they are read: a calling node's wires are
 * checked against its child's fields, and a called flow is named missing only once every called
 * flow is known (read or refused), never while one is still loading.
 */
export function validateWithCalledFlows(flow: Flow): Problem[] {
  return withoutPendingCalls(flow, validateFlowDocument(flow, { flows: calledFlow, calls: callsKnown(flow) }).problems);
}

/**
 * Drops what a calling node's wires seem to break while its child flow is still being read: until
 * then the node has no ports, and every wire to it would look like one to a port that is not there.
 */
export function withoutPendingCalls(flow: Pick<Flow, 'nodes'>, problems: Problem[]): Problem[] {
  const { flows, missing } = useCalledFlows.getState();
  const pending = new Set(callsOf(flow).filter((call) => !flows.has(call.flowId) && !missing.has(call.flowId)).map((call) => call.nodeId));
  if (pending.size === 0) return problems;
  return problems.filter((problem) => !(problem.rule === 'missing-port' && problem.nodeId !== undefined && pending.has(problem.nodeId)));
}

function syncVersion(): void {
  const version = useCalledFlows.getState().version;
  if (version === cachedVersion) return;
  cachedVersion = version;
  cache = new WeakMap();
  last = undefined;
}

export function problemsOf(flow: Flow): ProblemIndex {
  syncVersion();
  const cached = cache.get(flow);
  if (cached) return cached;
  if (last && differsOnlyInPositions(last.flow, flow)) {
    cache.set(flow, last.index);
    return last.index;
  }
  return indexProblems(flow, validateWithCalledFlows(flow));
}

/**
 * Records the problems a caller already found for this very flow object (opening a flow validates
 * it), so a large flow is not validated twice before it is drawn.
 */
export function rememberProblems(flow: Flow, all: Problem[]): void {
  syncVersion();
  if (!cache.has(flow)) indexProblems(flow, all);
}

function indexProblems(flow: Flow, all: Problem[]): ProblemIndex {
  const index: ProblemIndex = { all, byNode: new Map(), byPort: new Map(), byEdge: new Map() };
  for (const problem of all) {
    if (problem.nodeId) push(index.byNode, problem.nodeId, problem);
    if (problem.nodeId && problem.port) push(index.byPort, `${problem.nodeId}.${problem.port}`, problem);
    if (problem.edge) push(index.byEdge, `${problem.edge.from}->${problem.edge.to}`, problem);
  }
  cache.set(flow, index);
  last = { flow, index };
  return index;
}

export function useProblems(): ProblemIndex {
  useCalledFlows((state) => state.version);
  return problemsOf(useDocument((state) => state.flow));
}
