import { describe, expect, it } from 'vitest';
import { checkAgainstSchema } from '../../shared/json-schema.ts';
import { exampleFromSchema } from './schema-example.ts';

const hint = 'Classify this ticket: my card was charged twice';

function valid(schema: Record<string, unknown>): unknown {
  const value = exampleFromSchema(schema, { hint });
  expect(checkAgainstSchema(schema, value), JSON.stringify(value)).toEqual([]);
  return value;
}

describe('exampleFromSchema', () => {
  it('fills every property of an object, enums with their first value', () => {
    const value = valid({
      type: 'object',
      properties: { category: { type: 'string', enum: ['billing', 'bug'] }, urgent: { type: 'boolean' }, note: { type: 'string' } },
      required: ['category', 'urgent'],
      additionalProperties: false,
    });
    expect(value).toMatchObject({ category: 'billing', urgent: true });
    expect((value as { note: string }).note).toBe('note of: Classify this ticket my card was');
  });

  it('keeps numbers within their bounds', () => {
    expect(valid({ type: 'number', minimum: 0, maximum: 1 })).toBe(0.5);
    expect(valid({ type: 'integer', minimum: 1, maximum: 5 })).toBe(3);
    expect(valid({ type: 'integer', exclusiveMinimum: 10 })).toBe(11);
    expect(valid({ type: 'number', maximum: -3 })).toBe(-3);
    expect(valid({ type: 'integer', minimum: 0, maximum: 100, multipleOf: 7 })).toBe(56);
  });

  it('makes arrays of one item, or as many as minItems asks', () => {
    expect(valid({ type: 'array', items: { type: 'string', enum: ['a'] } })).toEqual(['a']);
    expect(valid({ type: 'array', items: { type: 'integer' }, minItems: 3 })).toHaveLength(3);
  });

  it('respects string lengths and formats', () => {
    expect(valid({ type: 'string', maxLength: 5 })).toHaveLength(5);
    expect(valid({ type: 'string', minLength: 80 })).toHaveLength(80);
    valid({ type: 'string', format: 'email' });
    valid({ type: 'string', format: 'date-time' });
  });

  it('takes the first branch of anyOf and oneOf, merges allOf, follows local refs, and consts', () => {
    expect(valid({ anyOf: [{ type: 'integer', minimum: 2, maximum: 2 }, { type: 'string' }] })).toBe(2);
    expect(valid({ oneOf: [{ type: 'null' }, { type: 'string' }] })).toBeNull();
    valid({ allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'integer' } }, required: ['b'] }] });
    valid({ $defs: { item: { type: 'object', properties: { id: { const: 7 } }, required: ['id'] } }, type: 'array', items: { $ref: '#/$defs/item' } });
    expect(valid({ type: ['string', 'null'], const: 'x' })).toBe('x');
  });

  it('stops at recursive schemas instead of looping', () => {
    const tree = { $defs: { node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } } } }, $ref: '#/$defs/node' };
    expect(() => exampleFromSchema(tree, { hint })).not.toThrow();
  });

  it('lets the caller choose the branch', () => {
    const schema = { anyOf: [{ const: 'first' }, { const: 'second' }] };
    expect(exampleFromSchema(schema, { hint, chooseBranch: () => 1 })).toBe('second');
  });

  it('is deterministic', () => {
    const schema = { type: 'object', properties: { summary: { type: 'string' }, score: { type: 'number' } } };
    expect(exampleFromSchema(schema, { hint })).toEqual(exampleFromSchema(schema, { hint }));
  });
});
