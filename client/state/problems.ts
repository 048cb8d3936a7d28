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

export function problemsOf(flow: Flow): ProblemIndex {
  const cached = cache.get(flow);
  if (cached) return cached;
  const all = validateFlowDocument(flow).problems;
  const index: ProblemIndex = { all, byNode: new Map(), byPort: new Map(), byEdge: new Map() };
  for (const problem of all) {
    if (problem.nodeId) push(index.byNode, problem.nodeId, problem);
    if (problem.nodeId && problem.port) push(index.byPort, `${problem.nodeId}.${problem.port}`, problem);
    if (problem.edge) push(index.byEdge, `${problem.edge.from}->${problem.edge.to}`, problem);
  }
  cache.set(flow, index);
  return index;
}

export function useProblems(): ProblemIndex {
  return problemsOf(useDocument((state) => state.flow));
}
