/**
 * compile(flow) -> plan: nodes by index with their ports and wires resolved once, so the run loop
 * does array lookups instead of string parsing on every value it moves.
 */
import type { PinnedFlowEntry } from '../../shared/events.ts';
import { parseEndpoint, type Flow, type FlowNode } from '../../shared/flow.ts';
import { kindContext } from '../../shared/flow-calls.ts';
import type { KindContext } from '../../shared/kinds/define-kind.ts';
import { registry } from '../../shared/kinds/registry.ts';
import type { KindDefinition } from '../../shared/kinds/define-kind.ts';
import type { PortSpec } from '../../shared/ports.ts';

export interface PlanTarget {
  node: number;
  port: string;
  /** The wire as written, for skip reasons and traces. */
  from: string;
}

export interface PlanNode {
  index: number;
  node: FlowNode;
  kind: KindDefinition;
  config: unknown;
  inputs: Map<string, PortSpec>;
  outputs: Map<string, PortSpec>;
  /** Output port name -> the inputs it feeds. */
  outgoing: Map<string, PlanTarget[]>;
  /** How many input ports have a wire. */
  wiredInputs: number;
}

export interface Plan {
  flow: Flow;
  nodes: PlanNode[];
  byId: Map<string, PlanNode>;
}

const plans = new WeakMap<Flow, Plan>();
/** Plans of flows compiled against a run's pinned flows (a subflow's ports are its child's fields), per pinned set. */
const pinnedPlans = new WeakMap<Record<string, PinnedFlowEntry>, WeakMap<Flow, Plan>>();

/**
 * Compiles a flow that validateFlowDocument accepted (run it first: nothing here re-checks config).
 * `flows` are the flows the run pinned, which the ports of nodes that call flows come from. A plan
 * holds no run state, so runs of the same flow object (and the same pinned flows) share one.
 */
export function compile(flow: Flow, flows?: Record<string, PinnedFlowEntry>): Plan {
  let cache = plans;
  if (flows !== undefined) {
    cache = pinnedPlans.get(flows) ?? new WeakMap();
    pinnedPlans.set(flows, cache);
  }
  const cached = cache.get(flow);
  if (cached) return cached;
  const context: KindContext = kindContext((id) => (flows !== undefined && Object.hasOwn(flows, id) ? flows[id]!.flow : undefined));
  const plan = compileUncached(flow, context);
  cache.set(flow, plan);
  return plan;
}

function compileUncached(flow: Flow, context: KindContext): Plan {
  const nodes: PlanNode[] = flow.nodes.map((node, index) => {
    const kind = registry.get(node.kind);
    if (!kind) throw new Error(`unknown kind "${node.kind}" (validate the flow before compiling it)`);
    // The flow was validated (validateFlowDocument): its config already fits the kind's schema, and
    // those schemas neither transform nor default, so the config is used as it is.
    const config: unknown = node.config;
    const ports = kind.ports(config, context);
    return {
      index,
      node,
      kind,
      config,
      inputs: new Map(ports.inputs.map((port) => [port.name, port])),
      outputs: new Map(ports.outputs.map((port) => [port.name, port])),
      outgoing: new Map(),
      wiredInputs: 0,
    };
  });
  const byId = new Map(nodes.map((planNode) => [planNode.node.id, planNode]));
  for (const edge of flow.edges) {
    const from = parseEndpoint(edge.from);
    const to = parseEndpoint(edge.to);
    const source = byId.get(from.nodeId);
    const target = byId.get(to.nodeId);
    if (!source || !target) throw new Error(`wire ${edge.from} -> ${edge.to} names a missing node`);
    const targets = source.outgoing.get(from.port) ?? [];
    targets.push({ node: target.index, port: to.port, from: edge.from });
    source.outgoing.set(from.port, targets);
    target.wiredInputs++;
  }
  return { flow, nodes, byId };
}
