/** JSON Schema checks and port checks against hostile values and schemas: they answer, never throw or stall. */
import { describe, expect, it } from 'vitest';
import { checkAgainstSchema, schemaError } from './json-schema.ts';
import { checkPortValue } from './ports.ts';

function nested(depth: number): unknown {
  let value: unknown = 0;
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

describe('catastrophic patterns', () => {
  it('checks ^(a+)+$ against 5,000 a and a b (it returns: matching is linear)', () => {
    expect(checkAgainstSchema({ type: 'string', pattern: '^(a+)+$' }, `${'a'.repeat(5000)}b`)).toEqual([{ path: '', message: 'String does not match pattern.' }]);
    expect(checkAgainstSchema({ type: 'string', pattern: '^(a+)+$' }, 'a'.repeat(5000))).toEqual([]);
  });

  it('checks patternProperties keys on the same engine', () => {
    const schema = { type: 'object', patternProperties: { '^(a+)+$': { type: 'number' } } };
    expect(checkAgainstSchema(schema, { [`${'a'.repeat(5000)}b`]: 'not checked' })).toEqual([]);
    expect(checkAgainstSchema(schema, { aaaa: 'text' })).toEqual([{ path: '/aaaa', message: 'Instance type "string" is invalid. Expected "number".' }]);
  });

  it('keeps JavaScript pattern syntax the validator supports (named groups, \\d, \\u{...})', () => {
    expect(checkAgainstSchema({ type: 'string', pattern: '^(?<year>\\d{4})-\\u{1F600}$' }, '2026-😀')).toEqual([]);
    expect(schemaError({ type: 'string', pattern: '^(?<year>\\d{4})$' })).toBeUndefined();
  });

  it('leaves the global RegExp as it was, even when the check fails', () => {
    const before = globalThis.RegExp;
    checkAgainstSchema({ type: 'string', pattern: '(a)\\1' }, 'aa');
    expect(globalThis.RegExp).toBe(before);
    expect(new RegExp('(a)\\1').test('aa')).toBe(true);
  });
});

describe('uniqueItems', () => {
  it('bounds values checked against a schema using uniqueItems (the validator compares every pair)', () => {
    const schema = { type: 'object', properties: { tags: { type: 'array', uniqueItems: true } } };
    const many = { tags: Array.from({ length: 20_000 }, (_, index) => ({ tag: index })) };
    expect(checkAgainstSchema(schema, many)).toEqual([{ path: '/tags', message: expect.stringMatching(/limit of 1000 keys and items \(its schema uses uniqueItems/) }]);
    expect(checkAgainstSchema(schema, { tags: [1, 2, 2] })).toEqual([{ path: '/tags', message: 'Duplicate items at indexes 1 and 2.' }]);
    expect(checkAgainstSchema({ type: 'array' }, many.tags)).toEqual([]);
  });
});

describe('deep values and schemas', () => {
  it('checkPortValue answers for a value nested 10,000 deep instead of throwing', () => {
    const deep = nested(10_000);
    expect(checkPortValue({ name: 'out', type: 'json' }, deep)).toMatch(/^port "out" value at \/0\/0.* is nested deeper than the limit of 64 levels$/);
    expect(checkPortValue({ name: 'out', type: 'any' }, deep)).toMatch(/nested deeper than the limit/);
    expect(checkPortValue({ name: 'out', type: 'json', schema: { type: 'array', items: { $ref: '#' } } }, deep)).toMatch(/nested deeper/);
  });

  it('checkPortValue refuses forbidden keys and cycles, naming where', () => {
    expect(checkPortValue({ name: 'out', type: 'json' }, JSON.parse('{"a":[{"constructor":1}]}'))).toBe('port "out" value at /a/0/constructor uses the key "constructor", which is not allowed in any object');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(checkPortValue({ name: 'out', type: 'any' }, cycle)).toMatch(/not JSON: at \/self it refers back/);
  });

  it('schemaError answers for a schema nested 8,000 deep', () => {
    let schema: Record<string, unknown> = {};
    for (let level = 0; level < 8000; level++) schema = { items: schema };
    expect(schemaError(schema)).toMatch(/nested deeper than the limit/);
  });

  it('schemaError refuses $ref cycles that never reach a value, through allOf and anyOf too', () => {
    expect(schemaError({ $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a' } }, $ref: '#/$defs/a' })).toMatch(/\$ref cycle/);
    expect(schemaError({ $defs: { a: { allOf: [{ $ref: '#/$defs/b' }] }, b: { anyOf: [{ type: 'string' }, { $ref: '#/$defs/a' }] } }, $ref: '#/$defs/a' })).toMatch(/\$ref cycle/);
    expect(schemaError({ $ref: '#' })).toMatch(/\$ref cycle/);
    expect(schemaError({ type: 'object', properties: { next: { $ref: '#' } } })).toBeUndefined();
  });
});
