/** Validation of flows that call flows: every refusal the call graph and the child's fields give. */
import { describe, expect, it } from 'vitest';
import type { Flow } from './flow.ts';
import { MAX_FLOW_NESTING } from './flow-calls.ts';
import { flow } from './testing/flow-builder.ts';
import { validateFlowDocument } from './validate.ts';

const child = flow('shout', 'Shout')
  .input('in', { text: 'string', count: 'number' })
  .output('out', { shout: 'string' })
  .wire('in.text', 'out.shout')
  .build();

function caller(id: string, calls: string, extra: (builder: ReturnType<typeof flow>) => void = () => undefined): Flow {
  const builder = flow(id, id).node({ id: 'call', kind: 'subflow', config: { flow: calls } });
  extra(builder);
  return builder.build();
}

function library(...flows: Flow[]) {
  const byId = new Map(flows.map((entry) => [entry.id, entry]));
  return { flows: (id: string) => byId.get(id) };
}

const wiredParent = (textType: 'string' | 'number' = 'string') =>
  flow('parent')
    .input('in', { text: textType, count: 'number' })
    .node({ id: 'call', kind: 'subflow', config: { flow: 'shout' } })
    .output('out', { shout: 'string' })
    .wire('in.text', 'call.text')
    .wire('in.count', 'call.count')
    .wire('call.shout', 'out.shout')
    .build();

describe('validate: subflow ports come from the child', () => {
  it("accepts wires that fit the child's fields", () => {
    expect(validateFlowDocument(wiredParent(), library(child)).problems).toEqual([]);
  });

  it("refuses a wire that does not fit the child's field type, and an unwired child input", () => {
    const problems = validateFlowDocument(wiredParent('number'), library(child)).problems;
    expect(problems).toEqual([expect.objectContaining({ rule: 'type-mismatch', message: 'wire in.text -> call.text: number cannot feed string: add a code node to convert' })]);
    const unwired = wiredParent();
    unwired.edges = unwired.edges.filter((edge) => edge.to !== 'call.count');
    expect(validateFlowDocument(unwired, library(child)).problems).toEqual([expect.objectContaining({ rule: 'unwired-input', port: 'count' })]);
  });

  it('refuses a reference to a missing flow, naming it', () => {
    const problems = validateFlowDocument(caller('parent', 'nowhere'), library(child)).problems;
    expect(problems).toEqual([{ rule: 'missing-flow', message: 'node "call": there is no flow "nowhere"', path: 'nodes[0].config', nodeId: 'call' }]);
    // Without any flows to look in, every call is missing.
    expect(validateFlowDocument(wiredParent()).problems.map((problem) => problem.rule)).toContain('missing-flow');
  });

  it('refuses a cycle of flows, naming the chain', () => {
    const a = caller('a', 'b');
    const b = caller('b', 'a');
    const problems = validateFlowDocument(a, library(a, b)).problems;
    expect(problems).toEqual([expect.objectContaining({ rule: 'flow-cycle', nodeId: 'call', message: expect.stringContaining('a -> b -> a') })]);
    expect(validateFlowDocument(caller('self', 'self'), library()).problems[0]).toMatchObject({ rule: 'flow-cycle', message: expect.stringContaining('self -> self') });
  });

  it(`refuses nesting deeper than ${MAX_FLOW_NESTING} levels`, () => {
    const chain = Array.from({ length: MAX_FLOW_NESTING + 1 }, (_, index) => caller(`level-${index}`, `level-${index + 1}`));
    const deepest = flow(`level-${MAX_FLOW_NESTING + 1}`).build();
    const ok = validateFlowDocument(chain[1]!, library(...chain, deepest));
    expect(ok.problems).toEqual([]);
    const tooDeep = validateFlowDocument(chain[0]!, library(...chain, deepest)).problems;
    expect(tooDeep).toEqual([expect.objectContaining({ rule: 'nesting-depth', message: expect.stringContaining(`the limit is ${MAX_FLOW_NESTING}`) })]);
  });

  it('names a called flow that is itself invalid', () => {
    const broken = flow('shout').code('count', { outputs: { n: 'number' } }).output('out', { shout: 'string' }).wire('count.n', 'out.shout').build();
    const problems = validateFlowDocument(caller('parent', 'shout'), library(broken)).problems;
    expect(problems).toEqual([expect.objectContaining({ rule: 'invalid-flow', nodeId: 'call', message: expect.stringMatching(/^flow "shout" \(called by node "call"\) has 1 problem: wire count.n -> out.shout: number cannot feed string/) })]);
  });
});

describe('validate: map', () => {
  const mapper = (itemInput: string, onItemFailure = 'continue') =>
    flow('mapper')
      .input('in', { texts: 'json', count: 'number' })
      .node({ id: 'each', kind: 'map', config: { flow: 'shout', itemInput, onItemFailure } })
      .output('out', { results: 'json', failures: 'json' })
      .wire('in.texts', 'each.items')
      .wire('in.count', 'each.count')
      .wire('each.results', 'out.results')
      .wire('each.failures', 'out.failures')
      .build();

  it("takes every child input but the item's as its own port", () => {
    expect(validateFlowDocument(mapper('text'), library(child)).problems).toEqual([]);
  });

  it('refuses an itemInput that is not a child input, and failures without "continue"', () => {
    const problems = validateFlowDocument(mapper('body'), library(child)).problems;
    expect(problems[0]).toMatchObject({ rule: 'config', path: 'nodes[1].config.itemInput', message: expect.stringContaining('flow "shout" has no input "body" (its inputs: text, count)') });
    const noFailures = validateFlowDocument(mapper('text', 'fail'), library(child)).problems;
    expect(noFailures).toEqual([expect.objectContaining({ rule: 'missing-port', message: expect.stringContaining('no output port "failures"') })]);
  });
});
