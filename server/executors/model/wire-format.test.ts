import { describe, expect, it } from 'vitest';
import { strictProblem } from '../../providers/strict-schema.ts';
import { wireFormatFor } from './wire-format.ts';

const strictObject = { type: 'object', properties: { a: { type: 'string' }, n: { type: ['integer', 'null'] } }, required: ['a', 'n'], additionalProperties: false };

describe('strictProblem', () => {
  it('accepts a schema in the strict subset', () => {
    expect(strictProblem(strictObject)).toBeUndefined();
    expect(strictProblem({ type: 'object', properties: { x: { anyOf: [{ type: 'string' }, { $ref: '#/$defs/y' }] } }, required: ['x'], additionalProperties: false, $defs: { y: { type: 'number', minimum: 0 } } })).toBeUndefined();
  });

  it('names what keeps a schema out of strict mode', () => {
    expect(strictProblem({ type: 'array' })).toBe('the root must be an object');
    expect(strictProblem({ type: 'object', properties: { a: { type: 'string' } } })).toBe('/: objects need "additionalProperties": false');
    expect(strictProblem({ ...strictObject, required: ['a'] })).toBe('/n: every property must be required');
    expect(strictProblem({ ...strictObject, properties: { a: { oneOf: [] }, n: {} } })).toBe('/a: "oneOf" is not supported in strict mode');
    expect(strictProblem({ ...strictObject, properties: { a: { type: 'object', properties: {} }, n: {} } })).toBe('/a: objects need "additionalProperties": false');
  });
});

describe('wireFormatFor', () => {
  it('reads plain text as the whole result', () => {
    const format = wireFormatFor({});
    expect(format.responseSchema).toBeUndefined();
    expect(format.read('  any text ')).toEqual({ ok: true, outcome: { type: 'result', value: '  any text ' } });
  });

  it('reads JSON and reports problems at their path', () => {
    const format = wireFormatFor({ output: { type: 'json', schema: strictObject } });
    expect(format.strict).toBe(true);
    expect(format.read('{"a":"x","n":null}')).toEqual({ ok: true, outcome: { type: 'result', value: { a: 'x', n: null } } });
    expect(format.read('{"a":1,"n":null}')).toMatchObject({ ok: false, path: '/a', wirePath: '/a' });
    expect(format.read('{"a":')).toMatchObject({ ok: false, path: '/', message: expect.stringMatching(/^not valid JSON/) });
  });

  it('reads an unsure envelope', () => {
    const format = wireFormatFor({ output: { type: 'json', schema: strictObject }, allowUnsure: true });
    expect(format.responseSchema!.name).toBe('result_or_unsure');
    expect(format.read('{"outcome":{"status":"unsure","reason":"no idea"}}')).toEqual({ ok: true, outcome: { type: 'unsure', reason: 'no idea' } });
    expect(format.read('{"outcome":{"status":"answer","value":{"a":"x","n":1}}}')).toEqual({ ok: true, outcome: { type: 'result', value: { a: 'x', n: 1 } } });
    expect(format.read('{"outcome":{"status":"answer","value":{"a":2,"n":1}}}')).toMatchObject({ ok: false, path: '/a', wirePath: '/outcome/value/a' });
    expect(format.read('{"outcome":{"status":"maybe"}}')).toMatchObject({ ok: false, wirePath: '/outcome/status' });
    expect(format.read('{"answer":1}')).toMatchObject({ ok: false, wirePath: '/outcome' });
    expect(format.read('{"outcome":{"status":"unsure"}}')).toMatchObject({ ok: false, wirePath: '/outcome/reason' });
  });

  it('is not strict when the result schema is not', () => {
    const format = wireFormatFor({ output: { type: 'json', schema: { type: 'object' } }, allowUnsure: true });
    expect(format.strict).toBe(false);
    expect(format.instruction).toContain('Its JSON Schema');
  });
});
