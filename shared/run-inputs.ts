/** Run inputs checked against the flow's input fields, before anything runs. */
import type { Flow } from './flow.ts';
import { checkJsonBounds } from './json-bounds.ts';
import { inputConfigSchema } from './kinds/input.ts';
import { checkPortValue, portFromField, type PortSpec } from './ports.ts';

export interface InputProblem {
  field: string;
  nodeId: string;
  message: string;
}

export function runInputFields(flow: Flow): Array<PortSpec & { nodeId: string }> {
  return flow.nodes.flatMap((node) => {
    if (node.kind !== 'input') return [];
    const config = inputConfigSchema.safeParse(node.config);
    return config.success ? config.data.fields.map((field) => ({ ...portFromField(field), nodeId: node.id })) : [];
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
