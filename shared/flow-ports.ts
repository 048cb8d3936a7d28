/**
 * The ports of a node that runs another flow: the child's run inputs become its inputs, the
 * child's result fields its outputs, with their types, so wires into and out of it are checked
 * like any other.
 */
import type { Flow } from './flow.ts';
import type { PortSpec } from './ports.ts';
import { runInputFields, runResultFields } from './run-inputs.ts';

function plain({ nodeId: _nodeId, ...port }: PortSpec & { nodeId: string }): PortSpec {
  return port;
}

/** The child's input fields as required input ports. */
export function childInputPorts(child: Flow): PortSpec[] {
  return runInputFields(child).map((field) => ({ ...plain(field), required: true }));
}

/** The child's result fields as output ports (a field its run does not reach does not fire). */
export function childOutputPorts(child: Flow): PortSpec[] {
  const seen = new Set<string>();
  return runResultFields(child).flatMap((field) => {
    if (seen.has(field.name)) return [];
    seen.add(field.name);
    return [{ ...plain(field), required: false }];
  });
}
