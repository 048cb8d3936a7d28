import { describe, expect, it } from 'vitest';
import { checkRunInputs, runInputFields } from './run-inputs.ts';
import { flow, problemsOf } from './testing/flow-builder.ts';

const twoInputs = flow()
  .input('ticket', { text: 'string', priority: 'number' })
  .input('order', { order: { type: 'json', schema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } } })
  .output('out', { text: 'string', priority: 'number', order: 'json' })
  .wire('ticket.text', 'out.text')
  .wire('ticket.priority', 'out.priority')
  .wire('order.order', 'out.order')
  .build();

describe('runInputFields', () => {
  it('lists the fields of every input node with the node that declares them', () => {
    expect(runInputFields(twoInputs).map((field) => [field.nodeId, field.name, field.type])).toEqual([
      ['ticket', 'text', 'string'],
      ['ticket', 'priority', 'number'],
      ['order', 'order', 'json'],
    ]);
  });

  it('skips input nodes whose config is broken', () => {
    const broken = flow().node({ id: 'in', kind: 'input', config: { fields: 'text' } }).build();
    expect(runInputFields(broken)).toEqual([]);
  });
});

describe('checkRunInputs', () => {
  const good = { text: 'hello', priority: 2, order: { id: 'A-1' } };

  it('accepts inputs that fit', () => {
    expect(checkRunInputs(twoInputs, good)).toEqual([]);
  });

  it('reports a missing input with its expected type', () => {
    const { priority: _, ...rest } = good;
    expect(checkRunInputs(twoInputs, rest)).toEqual([{ field: 'priority', nodeId: 'ticket', message: 'input "priority" is missing (expects number)' }]);
  });

  it('reports an input of the wrong type', () => {
    expect(checkRunInputs(twoInputs, { ...good, priority: 'high' })).toEqual([{ field: 'priority', nodeId: 'ticket', message: 'input "priority" expects number but got string' }]);
  });

  it('reports a json input that breaks its schema, with the path', () => {
    const problems = checkRunInputs(twoInputs, { ...good, order: { id: 7 } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ field: 'order', nodeId: 'order' });
    expect(problems[0]!.message).toMatch(/^input "order" value breaks its schema at \/id: /);
  });

  it('reports an unknown field', () => {
    expect(checkRunInputs(twoInputs, { ...good, colour: 'red' })).toEqual([{ field: 'colour', nodeId: '', message: 'input "colour" is not a field of this flow' }]);
  });

  it('reports every problem at once', () => {
    const problems = checkRunInputs(twoInputs, { text: 5, colour: 'red' });
    expect(problems.map((problem) => problem.field)).toEqual(['text', 'priority', 'order', 'colour']);
  });

  it('treats a field named like an inherited property as missing when not given', () => {
    const odd = flow().input('in', { constructor: 'any' as const }).output('out', { v: 'any' }).wire('in.constructor', 'out.v').build();
    expect(problemsOf(odd)).toEqual([]);
    expect(checkRunInputs(odd, {})).toEqual([{ field: 'constructor', nodeId: 'in', message: 'input "constructor" is missing (expects any)' }]);
  });
});
