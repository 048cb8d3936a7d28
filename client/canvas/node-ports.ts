/**
 * A node's ports, from the registry, even while its config is mid-edit and not yet valid:
 * the canvas keeps showing handles so wires do not jump around as a person types. A node that
 * calls a flow (a subflow, a map) gets its child's fields through `context`.
 */
import type { FlowNode } from '../../shared/flow.ts';
import { NO_FLOWS, type KindContext } from '../../shared/kinds/define-kind.ts';
import { registry } from '../../shared/kinds/registry.ts';
import type { NodePorts } from '../../shared/ports.ts';

const NO_PORTS: NodePorts = { inputs: [], outputs: [] };

export function nodePorts(node: Pick<FlowNode, 'kind' | 'config'>, context: KindContext = NO_FLOWS): NodePorts {
  const definition = registry.get(node.kind);
  if (!definition) return NO_PORTS;
  const parsed = definition.configSchema.safeParse(node.config);
  try {
    const ports = definition.ports(parsed.success ? parsed.data : node.config, context);
    return {
      inputs: ports.inputs.filter((port) => typeof port?.name === 'string' && port.name !== ''),
      outputs: ports.outputs.filter((port) => typeof port?.name === 'string' && port.name !== ''),
    };
  } catch {
    return NO_PORTS;
  }
}
