/**
 * A small builder of flow documents for tests: each test states only the nodes and wires it is
 * about. `build()` returns a fresh plain object, so a test may break it freely (delete a key,
 * add a stray one) before handing it to the validator.
 */
import type { Flow, FlowNode } from '../flow.ts';
import type { Field, PortType } from '../ports.ts';
import { validateFlowDocument, type Problem, type ProblemRule } from '../validate.ts';

/** A field as a bare type (`'string'`) or with its extras (`{ type: 'json', schema }`). */
export type FieldSpec = PortType | Omit<Field, 'name'>;
export type FieldMap = Record<string, FieldSpec>;

/** `{ text: 'string' }` -> `[{ name: 'text', type: 'string' }]`, in the map's order. */
export function fields(map: FieldMap): Field[] {
  return Object.entries(map).map(([name, spec]) => (typeof spec === 'string' ? { name, type: spec } : { name, ...spec }));
}

export interface ModelOptions {
  inputs?: FieldMap;
  prompt?: string;
  model?: string;
  [key: string]: unknown;
}

export interface CodeOptions {
  inputs?: FieldMap;
  outputs?: FieldMap;
  [key: string]: unknown;
}

const IDENTITY_SOURCE = 'export default function (inputs) {\n  return inputs;\n}\n';

export class FlowBuilder {
  readonly #flow: Flow;

  constructor(id: string, name: string) {
    this.#flow = { schemaVersion: 1, id, name, nodes: [], edges: [] };
  }

  /** Adds a node as given (for kinds or shapes the helpers below do not make). */
  node(node: Omit<FlowNode, 'position'> & { position?: FlowNode['position'] }): this {
    const position = node.position ?? { x: this.#flow.nodes.length * 300, y: 0 };
    this.#flow.nodes.push({ ...node, position });
    return this;
  }

  input(id: string, map: FieldMap): this {
    return this.node({ id, kind: 'input', config: { fields: fields(map) } });
  }

  output(id: string, map: FieldMap): this {
    return this.node({ id, kind: 'output', config: { fields: fields(map) } });
  }

  /** A model node; `inputs` default to `{ text: 'string' }` and the prompt to one using every input. */
  model(id: string, options: ModelOptions = {}): this {
    const { inputs = { text: 'string' }, prompt, model = 'gpt-4o-mini', ...rest } = options;
    const usedPrompt = prompt ?? Object.keys(inputs).map((name) => `{{${name}}}`).join('\n');
    return this.node({ id, kind: 'model', config: { model, prompt: usedPrompt, inputs: fields(inputs), ...rest } });
  }

  /** A code node passing its inputs through; `inputs` and `outputs` default to none. */
  code(id: string, options: CodeOptions = {}): this {
    const { inputs = {}, outputs = {}, ...rest } = options;
    return this.node({ id, kind: 'code', config: { language: 'javascript', source: IDENTITY_SOURCE, inputs: fields(inputs), outputs: fields(outputs), ...rest } });
  }

  approval(id: string, config: Record<string, unknown> = {}): this {
    return this.node({ id, kind: 'approval', config: { title: 'Approve this?', ...config } });
  }

  wire(from: string, to: string): this {
    this.#flow.edges.push({ from, to });
    return this;
  }

  with(extra: Partial<Flow>): this {
    Object.assign(this.#flow, extra);
    return this;
  }

  build(): Flow {
    return structuredClone(this.#flow);
  }
}

export function flow(id = 'test-flow', name = 'Test flow'): FlowBuilder {
  return new FlowBuilder(id, name);
}

/**
 * The smallest useful valid flow: ticket.text -> classify (model) -> result.answer.
 * Node order: ticket (0), classify (1), result (2).
 */
export function basicFlow(): FlowBuilder {
  return flow('basic')
    .input('ticket', { text: 'string' })
    .model('classify', { prompt: 'Classify: {{text}}' })
    .output('result', { answer: 'string' })
    .wire('ticket.text', 'classify.text')
    .wire('classify.result', 'result.answer');
}

/** Every problem the validator reports for a document. */
export function problemsOf(document: unknown): Problem[] {
  return validateFlowDocument(document).problems;
}

export function rulesOf(problems: readonly Problem[]): ProblemRule[] {
  return problems.map((problem) => problem.rule);
}

/** A mutable view of a built flow, for tests that break its shape on purpose. */
export function loose(document: Flow): Record<string, unknown> & { nodes: Array<Record<string, unknown>>; edges: Array<Record<string, unknown>> } {
  return document as never;
}
