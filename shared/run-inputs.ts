/** Run inputs checked against the flow's input fields, before anything runs. */
import type { Flow } from './flow.ts';
import { checkJsonBounds } from './json-bounds.ts';
import { registry } from './kinds/registry.ts';
import { checkPortValue, type PortSpec } from './ports.ts';

export interface InputProblem {
  field: string;
  nodeId: string;
  message: string;
}

/** The run's input fields: the output ports of every node whose kind takes the run's inputs. */
export function runInputFields(flow: Flow): Array<PortSpec & { nodeId: string }> {
  return flow.nodes.flatMap((node) => {
    const kind = registry.get(node.kind);
    if (!kind?.takesRunInputs) return [];
    const config = kind.configSchema.safeParse(node.config);
    return config.success ? kind.ports(config.data).outputs.map((port) => ({ ...port, nodeId: node.id })) : [];
  });
}

export function checkRunInputs(flow: Flow, inputs: Record<string, unknown>): InputProblem[] {
  // The whole value first: its size, and keys such as "__proto__" that no field may be named.
  const bounds = checkJsonBounds(inputs, {}, 'inputs');
  if (bounds) return [{ field: String(bounds.keys[0] ?? ''), nodeId: '', message: bounds.message }];
  const fields = runInputFields(flow);
  const problems: InputProblem[] = [];
  for (const field of fields) {
    if (!Object.hasOwn(inputs, field.name)) {
      problems.push({ field: field.name, nodeId: field.nodeId, message: `input "${field.name}" is missing (expects ${field.type})` });
      continue;
    }
    const problem = checkPortValue(field, inputs[field.name]);
    if (problem) problems.push({ field: field.name, nodeId: field.nodeId, message: `input ${problem.replace(/^port /, '')}` });
  }
  for (const name of Object.keys(inputs)) {
    if (!fields.some((field) => field.name === name)) problems.push({ field: name, nodeId: '', message: `input "${name}" is not a field of this flow` });
  }
  return problems;
}

/** The run's result fields: the input ports of every node whose kind gives the run's result (what a flow called as a subflow gives back). */
export function runResultFields(flow: Flow): Array<PortSpec & { nodeId: string }> {
  return flow.nodes.flatMap((node) => {
    const kind = registry.get(node.kind);
    if (!kind?.givesRunResult) return [];
    const config = kind.configSchema.safeParse(node.config);
    return config.success ? kind.ports(config.data).inputs.map((port) => ({ ...port, nodeId: node.id })) : [];
  });
}
