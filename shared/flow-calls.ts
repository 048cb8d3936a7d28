/**
 * Flows that call flows (a subflow node, a map node): which flows a flow calls, the closure a run
 * pins when it starts, and the rules of the call graph: every called flow exists, no flow calls
 * itself through others (the chain is named), and child runs nest at most MAX_FLOW_NESTING deep.
 */
import { flowHash } from './canonical.ts';
import type { PinnedFlowEntry } from './events.ts';
import type { Flow } from './flow.ts';
import type { KindContext } from './kinds/define-kind.ts';
import { childInputPorts, childOutputPorts } from './flow-ports.ts';
import { registry } from './kinds/registry.ts';

/** How deep child runs may nest: a run's child is at depth 1, its grandchild at 2. */
export const MAX_FLOW_NESTING = 8;
/** Most distinct flows one run may call (directly or through its children). */
export const MAX_CALLED_FLOWS = 200;

export type FlowLookup = (id: string) => Flow | undefined;

export interface FlowCall {
  nodeId: string;
  /** The node's index in `flow.nodes`, for problem paths. */
  index: number;
  flowId: string;
}

/** The flows a flow's nodes call, in node order (nodes whose config does not parse call nothing). */
export function callsOf(flow: Pick<Flow, 'nodes'>): FlowCall[] {
  const calls: FlowCall[] = [];
  flow.nodes.forEach((node, index) => {
    const kind = registry.get(node.kind);
    if (!kind?.calls) return;
    const config = kind.configSchema.safeParse(node.config);
    if (!config.success) return;
    for (const flowId of kind.calls(config.data as never)) calls.push({ nodeId: node.id, index, flowId });
  });
  return calls;
}

/** A KindContext over a lookup (a map of pinned flows, a flows directory already read). */
export function kindContext(lookup: FlowLookup): KindContext {
  return {
    flow: lookup,
    interfaceOf: (id) => {
      const child = lookup(id);
      return child ? { inputs: childInputPorts(child), outputs: childOutputPorts(child) } : undefined;
    },
  };
}

export function lookupIn(flows: ReadonlyMap<string, Flow>): FlowLookup {
  return (id) => flows.get(id);
}

export interface CallProblem {
  rule: 'missing-flow' | 'flow-cycle' | 'nesting-depth' | 'too-many-flows';
  message: string;
  nodeId: string;
  index: number;
}

/**
 * Walks the call graph from `root` (depth first, each chain once per flow and depth). Called flows
 * come from `lookup`, except the root's own id, which always means the document being checked.
 */
export function checkCalls(root: Flow, lookup: FlowLookup): CallProblem[] {
  const problems: CallProblem[] = [];
  const seen = new Set<string>();
  const reported = new Set<string>();
  const find = (id: string): Flow | undefined => (id === root.id ? root : lookup(id));
  const deepest = new Map<string, number>();
  const visit = (flow: Flow, chain: string[], origin: FlowCall | undefined): void => {
    for (const call of callsOf(flow)) {
      // Problems are reported on the root's node through which the chain goes.
      const at = origin ?? call;
      const path = [...chain, call.flowId];
      if (chain.includes(call.flowId)) {
        const cycle = path.slice(chain.indexOf(call.flowId));
        const key = `cycle:${[...cycle].sort().join(',')}`;
        if (!reported.has(key)) {
          reported.add(key);
          problems.push({ rule: 'flow-cycle', message: `node "${at.nodeId}": flows call each other in a cycle: ${path.join(' -> ')} (a flow cannot call itself, directly or through others)`, nodeId: at.nodeId, index: at.index });
        }
        continue;
      }
      const child = find(call.flowId);
      if (!child) {
        const key = `missing:${call.flowId}`;
        if (!reported.has(key)) {
          reported.add(key);
          const through = chain.length > 1 ? ` (called through ${path.slice(0, -1).join(' -> ')})` : '';
          problems.push({ rule: 'missing-flow', message: `node "${at.nodeId}": there is no flow "${call.flowId}"${through}`, nodeId: at.nodeId, index: at.index });
        }
        continue;
      }
      seen.add(call.flowId);
      if (seen.size > MAX_CALLED_FLOWS) {
        if (!reported.has('too-many')) {
          reported.add('too-many');
          problems.push({ rule: 'too-many-flows', message: `node "${at.nodeId}": a run may call at most ${MAX_CALLED_FLOWS} distinct flows`, nodeId: at.nodeId, index: at.index });
        }
        return;
      }
      const depth = chain.length;
      if (depth > MAX_FLOW_NESTING) {
        const key = `depth:${at.nodeId}`;
        if (!reported.has(key)) {
          reported.add(key);
          problems.push({ rule: 'nesting-depth', message: `node "${at.nodeId}": child runs would nest ${depth} levels deep (${path.join(' -> ')}); the limit is ${MAX_FLOW_NESTING}`, nodeId: at.nodeId, index: at.index });
        }
        continue;
      }
      // A flow already walked at this depth or deeper adds nothing new below it.
      if ((deepest.get(call.flowId) ?? -1) >= depth) continue;
      deepest.set(call.flowId, depth);
      visit(child, path, at);
    }
  };
  visit(root, [root.id], undefined);
  return problems;
}

/**
 * Every flow `root` may call, directly or through its children, read with `load` (the flows
 * directory, the flows repository). Flows that do not exist are left out; `checkCalls` names them.
 */
export async function loadCallClosure(root: Flow, load: (id: string) => Promise<Flow | undefined>): Promise<Map<string, Flow>> {
  const flows = new Map<string, Flow>();
  const queue = callsOf(root).map((call) => call.flowId);
  const tried = new Set<string>([root.id]);
  while (queue.length > 0 && tried.size <= MAX_CALLED_FLOWS) {
    const id = queue.shift()!;
    if (tried.has(id)) continue;
    tried.add(id);
    const flow = await load(id);
    if (!flow) continue;
    flows.set(id, flow);
    for (const call of callsOf(flow)) if (!tried.has(call.flowId)) queue.push(call.flowId);
  }
  return flows;
}

/** The flows of `closure` that `root` may reach, for a child run to pin (its own closure). */
export function closureFrom(root: Flow, lookup: FlowLookup): Map<string, Flow> {
  const flows = new Map<string, Flow>();
  const queue = callsOf(root).map((call) => call.flowId);
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (flows.has(id)) continue;
    const flow = lookup(id);
    if (!flow) continue;
    flows.set(id, flow);
    for (const call of callsOf(flow)) queue.push(call.flowId);
  }
  return flows;
}

/** The flows of a closure as a run pins them in `run.started`: by id, each with its hash. */
export function pinFlows(flows: ReadonlyMap<string, Flow>): Record<string, PinnedFlowEntry> {
  const pinned: Record<string, PinnedFlowEntry> = {};
  for (const [id, flow] of flows) pinned[id] = { flowHash: flowHash(flow), flow };
  return pinned;
}
