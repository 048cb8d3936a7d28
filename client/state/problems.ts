/** The live validation of the document, computed once per flow version and shared by every view. */
import type { Flow } from '../../shared/flow.ts';
import { validateFlowDocument, type Problem } from '../../shared/validate.ts';
import { useDocument } from './document.ts';

export interface ProblemIndex {
  all: Problem[];
  byNode: Map<string, Problem[]>;
  /** `node.port` -> problems of that port (`in:` or `out:` is not known, the name is). */
  byPort: Map<string, Problem[]>;
  /** Edge key `from->to` -> problems of that wire. */
  byEdge: Map<string, Problem[]>;
}

const cache = new WeakMap<Flow, ProblemIndex>();

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

export function problemsOf(flow: Flow): ProblemIndex {
  const cached = cache.get(flow);
  if (cached) return cached;
  if (last && differsOnlyInPositions(last.flow, flow)) {
    cache.set(flow, last.index);
    return last.index;
  }
  return indexProblems(flow, validateFlowDocument(flow).problems);
}

/**
 * Records the problems a caller already found for this very flow object (opening a flow validates
 * it), so a large flow is not validated twice before it is drawn.
 */
export function rememberProblems(flow: Flow, all: Problem[]): void {
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
  return problemsOf(useDocument((state) => state.flow));
}
