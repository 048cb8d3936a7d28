/**
 * Test harness for the engine: flows built in a few lines, executors whose behaviour each test
 * chooses per node, and the event log collected as it is appended.
 */
import type { RunEvent } from '../../../shared/events.ts';
import type { Flow, FlowNode } from '../../../shared/flow.ts';
import { validateFlowDocument } from '../../../shared/validate.ts';
import { approvalExecutor } from '../../executors/approval.ts';
import { inputExecutor } from '../../executors/input.ts';
import { outputExecutor } from '../../executors/output.ts';
import type { ExecutorMap, StepContext, StepOutcome } from '../executor.ts';
import type { EngineOptions } from '../run-loop.ts';

export type Behaviour = (context: StepContext) => Promise<Record<string, unknown>> | Record<string, unknown>;

type Field = { name: string; type: 'string' | 'number' | 'boolean' | 'json' | 'any' };

export function field(name: string, type: Field['type'] = 'string'): Field {
  return { name, type };
}

let position = 0;
function at(): { x: number; y: number } {
  position += 10;
  return { x: position, y: 0 };
}

export const nodes = {
  input: (id: string, fields: Field[]): FlowNode => ({ id, kind: 'input', position: at(), config: { fields } }),
  output: (id: string, fields: Field[]): FlowNode => ({ id, kind: 'output', position: at(), config: { fields } }),
  code: (id: string, inputs: Field[], outputs: Field[], extra: Record<string, unknown> = {}): FlowNode => ({
    id,
    kind: 'code',
    position: at(),
    config: { language: 'javascript', source: 'export default (inputs) => inputs', inputs, outputs, ...extra },
  }),
  approval: (id: string, extra: Record<string, unknown> = {}): FlowNode => ({ id, kind: 'approval', position: at(), config: { title: `Approve ${id}?`, ...extra } }),
};

/** A validated flow; throws with the problems when the test wrote an invalid one. */
export function flowOf(nodeList: FlowNode[], edges: Array<[string, string]>, settings?: Flow['settings']): Flow {
  const document = {
    schemaVersion: 1,
    id: 'test-flow',
    name: 'Test flow',
    ...(settings ? { settings } : {}),
    nodes: nodeList,
    edges: edges.map(([from, to]) => ({ from, to })),
  };
  const result = validateFlowDocument(document);
  if (!result.ok) throw new Error(`test flow is invalid:\n${result.problems.map((p) => p.message).join('\n')}`);
  return result.flow;
}

export interface Harness {
  events: RunEvent[];
  options: EngineOptions;
  /** How many times each node's executor was invoked, across engines sharing this harness. */
  calls: Map<string, number>;
  /**
   * Resolves once the behaviour for `nodeId` has been called and has run up to its first await
   * (so hooks it registers, such as onStop or abort listeners, are in place): a condition to
   * wait for instead of a sleep.
   */
  entered(nodeId: string): Promise<void>;
  types(): string[];
  of<T extends RunEvent['type']>(type: T): Array<Extract<RunEvent, { type: T }>>;
}

/** Executors for input/output/approval are the real ones; `code` runs the test's behaviour for that node id. */
export function harness(behaviours: Record<string, Behaviour> = {}, extra: Partial<EngineOptions> = {}): Harness {
  const events: RunEvent[] = [];
  const calls = new Map<string, number>();
  const count = (id: string): void => {
    calls.set(id, (calls.get(id) ?? 0) + 1);
  };
  const entries = new Map<string, ReturnType<typeof deferred<void>>>();
  const entryOf = (id: string): ReturnType<typeof deferred<void>> => {
    let entry = entries.get(id);
    if (entry === undefined) {
      entry = deferred();
      entries.set(id, entry);
    }
    return entry;
  };
  const behaviourExecutor = {
    async run(context: StepContext): Promise<StepOutcome> {
      count(context.node.id);
      const behaviour = behaviours[context.node.id];
      const pending = behaviour ? behaviour(context) : { ...context.inputs };
      entryOf(context.node.id).resolve();
      const outputs = await pending;
      return { type: 'outputs', outputs };
    },
  };
  const counted = <T extends { run: (context: never) => Promise<StepOutcome> }>(executor: T): T => ({
    ...executor,
    run: (context: StepContext) => {
      count(context.node.id);
      return executor.run(context as never);
    },
  });
  const executors = {
    input: counted(inputExecutor),
    output: counted(outputExecutor),
    approval: counted(approvalExecutor),
    code: behaviourExecutor,
    model: behaviourExecutor,
  } as unknown as ExecutorMap;
  const options: EngineOptions = { executors, onEvent: (event) => events.push(event), ...extra };
  return {
    events,
    options,
    calls,
    entered: (nodeId) => entryOf(nodeId).promise,
    types: () => events.map((event) => event.type + ('nodeId' in event ? `:${event.nodeId}` : '')),
    of: (type) => events.filter((event) => event.type === type) as never,
  };
}

export function assertGapless(events: RunEvent[]): void {
  events.forEach((event, index) => {
    if (event.seq !== index + 1) throw new Error(`event ${index} has seq ${event.seq}`);
  });
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
