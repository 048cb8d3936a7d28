/**
 * Flow documents the benchmarks run: chains and fan-outs of pass-through code steps between an
 * input and an output node, validated with the same validateFlowDocument the server uses.
 */
import { flowSchema, type Flow, type FlowNode } from '../shared/flow.ts';
import { validateFlowDocument } from '../shared/validate.ts';

type FieldType = 'string' | 'number' | 'boolean' | 'json' | 'any';

export interface FlowShape {
  nodes: FlowNode[];
  edges: Array<{ from: string; to: string }>;
}

export function validated(id: string, shape: FlowShape, name = id): Flow {
  const result = validateFlowDocument({ schemaVersion: 1, id, name, nodes: shape.nodes, edges: shape.edges });
  if (!result.ok) throw new Error(`bench flow ${id} is invalid:\n${result.problems.slice(0, 5).map((problem) => problem.message).join('\n')}`);
  return result.flow;
}

/** Problems met while validating bench flows (reported as findings, not hidden). */
export const validationFindings: string[] = [];

/**
 * Validates like the server; when the validator itself throws (a 10,000-node chain overflows the
 * recursive cycle check in shared/validate.ts), falls back to the structural zod parse so the engine
 * can still be measured, and records why.
 */
export function validatedOrParsed(id: string, shape: FlowShape): Flow {
  try {
    return validated(id, shape);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const frame = (error.stack ?? '').split('\n').find((line) => line.includes('/shared/')) ?? '';
    validationFindings.push(
      `validateFlowDocument throws "${error.message}" on flow "${id}" (${shape.nodes.length} nodes, ${frame.trim()}): ` +
        'the cycle check (findCycles, Tarjan) recurses once per node along a chain, so a long chain overflows the stack ' +
        'instead of validating; the flow was only parsed structurally (flowSchema) for this benchmark. Fix: an iterative Tarjan or Kahn topological sort.',
    );
    return flowSchema.parse({ schemaVersion: 1, id, name: id, nodes: shape.nodes, edges: shape.edges });
  }
}

export function inputNode(id: string, x: number, y: number, type: FieldType = 'string'): FlowNode {
  return { id, kind: 'input', position: { x, y }, config: { fields: [{ name: 'value', type }] } };
}

export function outputNode(id: string, x: number, y: number, type: FieldType = 'string'): FlowNode {
  return { id, kind: 'output', position: { x, y }, config: { fields: [{ name: 'value', type }] } };
}

export function codeNode(id: string, x: number, y: number, type: FieldType = 'string', source = 'export default (inputs) => inputs'): FlowNode {
  return {
    id,
    kind: 'code',
    position: { x, y },
    config: { language: 'javascript', source, inputs: [{ name: 'value', type }], outputs: [{ name: 'value', type }] },
  };
}

/** input -> step-1 -> ... -> step-n -> output: n code steps (n + 2 steps in all). */
export function chainShape(steps: number, type: FieldType = 'string', makeStep: (id: string, x: number, y: number) => FlowNode = (id, x, y) => codeNode(id, x, y, type)): FlowShape {
  const nodes: FlowNode[] = [inputNode('in', 0, 0, type)];
  const edges: FlowShape['edges'] = [];
  let previous = 'in';
  for (let i = 1; i <= steps; i++) {
    const id = `step-${i}`;
    nodes.push(makeStep(id, (i % 50) * 260, Math.floor(i / 50) * 160));
    edges.push({ from: `${previous}.value`, to: `${id}.value` });
    previous = id;
  }
  nodes.push(outputNode('out', ((steps + 1) % 50) * 260, Math.floor((steps + 1) / 50) * 160, type));
  edges.push({ from: `${previous}.value`, to: 'out.value' });
  return { nodes, edges };
}

/** input -> width parallel code steps (leaves): width + 1 steps. */
export function fanOutShape(width: number, type: FieldType = 'string'): FlowShape {
  const nodes: FlowNode[] = [inputNode('in', 0, 0, type)];
  const edges: FlowShape['edges'] = [];
  for (let i = 1; i <= width; i++) {
    const id = `step-${i}`;
    nodes.push(codeNode(id, 300 + Math.floor(i / 40) * 260, (i % 40) * 120, type));
    edges.push({ from: 'in.value', to: `${id}.value` });
  }
  return { nodes, edges };
}

/** input -> approval -> output: a run of it stops waiting for a person. */
export function approvalFlow(): Flow {
  return validated('bench-approval', {
    nodes: [
      inputNode('in', 0, 0),
      { id: 'review', kind: 'approval', position: { x: 300, y: 0 }, config: { title: 'Approve this?' } },
      { id: 'out', kind: 'output', position: { x: 600, y: 0 }, config: { fields: [{ name: 'value', type: 'any' }] } },
    ],
    edges: [
      { from: 'in.value', to: 'review.payload' },
      { from: 'review.approved', to: 'out.value' },
    ],
  });
}

/** input -> model-1 -> ... -> model-n -> output (n + 2 steps); model steps answer plain text. */
export function modelChainFlow(models: number, model = 'gpt-4o-mini'): Flow {
  return validated('bench-models', {
    nodes: [
      inputNode('in', 0, 0),
      ...Array.from({ length: models }, (_, index): FlowNode => ({
        id: `model-${index + 1}`,
        kind: 'model',
        position: { x: 300 * (index + 1), y: 0 },
        config: { model, prompt: 'Repeat this: {{value}}', inputs: [{ name: 'value', type: 'string' }], maxTokens: 16 },
      })),
      outputNode('out', 300 * (models + 1), 0),
    ],
    edges: [
      { from: 'in.value', to: 'model-1.value' },
      ...Array.from({ length: models - 1 }, (_, index) => ({ from: `model-${index + 1}.result`, to: `model-${index + 2}.value` })),
      { from: `model-${models}.result`, to: 'out.value' },
    ],
  });
}
