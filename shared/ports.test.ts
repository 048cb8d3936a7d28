import { describe, expect, it } from 'vitest';
import { canConnect, checkPortValue, fieldSchema, PORT_COLOURS, PORT_NAME_PATTERN, PORT_TYPES, portFromField, type PortType } from './ports.ts';

function fits(from: PortType, to: PortType): boolean {
  return from === to || from === 'any' || to === 'any';
}

describe('canConnect', () => {
  const pairs = PORT_TYPES.flatMap((from) => PORT_TYPES.map((to) => [from, to] as const));

  it('covers all five port types', () => {
    expect([...PORT_TYPES].sort()).toEqual(['any', 'boolean', 'json', 'number', 'string']);
    expect(pairs).toHaveLength(25);
  });

  it.each(pairs.filter(([from, to]) => fits(from, to)))('lets %s feed %s', (from, to) => {
    expect(canConnect({ type: from }, { type: to })).toEqual({ ok: true });
  });

  it.each(pairs.filter(([from, to]) => !fits(from, to)))('refuses %s -> %s, saying why and what to do', (from, to) => {
    expect(canConnect({ type: from }, { type: to })).toEqual({ ok: false, reason: `${from} cannot feed ${to}: add a code node to convert` });
  });

  it('has exactly 12 refusals: every pair of different concrete types', () => {
    expect(pairs.filter(([from, to]) => !canConnect({ type: from }, { type: to }).ok)).toHaveLength(12);
  });

  it('lets json feed json whatever their schemas (the target schema is checked at run time)', () => {
    expect(canConnect({ type: 'json', schema: { type: 'string' } } as never, { type: 'json', schema: { type: 'number' } } as never)).toEqual({ ok: true });
  });

  it('gives the exact reason for number -> string', () => {
    expect(canConnect({ type: 'number' }, { type: 'string' })).toEqual({ ok: false, reason: 'number cannot feed string: add a code node to convert' });
  });
});

describe('checkPortValue', () => {
  it('accepts a value of the port type', () => {
    expect(checkPortValue({ name: 'text', type: 'string' }, 'hi')).toBeUndefined();
    expect(checkPortValue({ name: 'text', type: 'string' }, '')).toBeUndefined();
    expect(checkPortValue({ name: 'count', type: 'number' }, 0)).toBeUndefined();
    expect(checkPortValue({ name: 'count', type: 'number' }, -1.5)).toBeUndefined();
    expect(checkPortValue({ name: 'flag', type: 'boolean' }, false)).toBeUndefined();
    expect(checkPortValue({ name: 'data', type: 'json' }, null)).toBeUndefined();
    expect(checkPortValue({ name: 'data', type: 'json' }, [1, 'a', { b: true }])).toBeUndefined();
    expect(checkPortValue({ name: 'data', type: 'json' }, 'text is JSON too')).toBeUndefined();
    expect(checkPortValue({ name: 'anything', type: 'any' }, null)).toBeUndefined();
    expect(checkPortValue({ name: 'anything', type: 'any' }, false)).toBeUndefined();
  });

  it('names the port, what it expects and what came, for a number on a string port', () => {
    expect(checkPortValue({ name: 'text', type: 'string' }, 42)).toBe('port "text" expects string but got number');
  });

  it.each([
    ['string', null, 'null'],
    ['string', ['a'], 'array'],
    ['string', { a: 1 }, 'object'],
    ['number', '42', 'string'],
    ['number', true, 'boolean'],
    ['boolean', 'true', 'string'],
    ['boolean', 0, 'number'],
    ['string', undefined, 'undefined'],
  ] as const)('refuses on a %s port the value %j, calling it %s', (type, value, actual) => {
    expect(checkPortValue({ name: 'p', type }, value)).toBe(`port "p" expects ${type} but got ${actual}`);
  });

  it.each([NaN, Infinity, -Infinity])('refuses %s on a number port', (value) => {
    expect(checkPortValue({ name: 'count', type: 'number' }, value)).toBe('port "count" expects number but got non-finite number');
  });

  it.each([NaN, Infinity])('refuses %s on a json port', (value) => {
    expect(checkPortValue({ name: 'data', type: 'json' }, value)).toBe('port "data" expects JSON but got non-finite number');
  });

  it('refuses a NaN or Infinity nested in a json value (JSON cannot carry it; it would turn into null)', () => {
    expect(checkPortValue({ name: 'data', type: 'json' }, { total: NaN })).toMatch(/^port "data" /);
    expect(checkPortValue({ name: 'data', type: 'json' }, [1, Infinity])).toMatch(/^port "data" /);
  });

  it.each([
    [undefined, 'undefined'],
    [() => 1, 'function'],
    [Symbol('s'), 'symbol'],
    [10n, 'bigint'],
  ])('refuses %s on a json port', (value, actual) => {
    expect(checkPortValue({ name: 'data', type: 'json' }, value)).toBe(`port "data" expects JSON but got ${actual}`);
  });

  it('refuses no value on an any port', () => {
    expect(checkPortValue({ name: 'payload', type: 'any' }, undefined)).toBe('port "payload" got no value');
  });

  describe('json with a schema', () => {
    const port = {
      name: 'invoice',
      type: 'json' as const,
      schema: { type: 'object', properties: { amount: { type: 'number' }, lines: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' } } } } }, required: ['amount'] },
    };

    it('accepts a value that fits', () => {
      expect(checkPortValue(port, { amount: 3, lines: [{ sku: 'a' }] })).toBeUndefined();
    });

    it('names the path of the deepest problem', () => {
      expect(checkPortValue(port, { amount: 'three' })).toBe('port "invoice" value breaks its schema at /amount: Instance type "string" is invalid. Expected "number".');
      expect(checkPortValue(port, { amount: 1, lines: [{ sku: 'a' }, { sku: 7 }] })).toMatch(/^port "invoice" value breaks its schema at \/lines\/1\/sku: /);
    });

    it('says "/" for a problem with the value itself', () => {
      expect(checkPortValue(port, [])).toMatch(/^port "invoice" value breaks its schema at \/: /);
      expect(checkPortValue(port, {})).toMatch(/^port "invoice" value breaks its schema at \/: .*amount/);
    });
  });
});

describe('fields and ports', () => {
  it('turns a field into a required port, keeping a schema only on json', () => {
    expect(portFromField({ name: 'a', type: 'json', schema: { type: 'object' }, description: 'd' })).toEqual({ name: 'a', type: 'json', schema: { type: 'object' }, required: true, description: 'd' });
    expect(portFromField({ name: 'a', type: 'string', schema: { type: 'object' } })).toEqual({ name: 'a', type: 'string', required: true });
    expect(portFromField({ name: 'a', type: 'any' }, false).required).toBe(false);
  });

  it.each(['text', '_private', 'camelCase', 'snake_case_2', 'A'])('accepts the port name %j', (name) => {
    expect(PORT_NAME_PATTERN.test(name)).toBe(true);
    expect(fieldSchema.safeParse({ name, type: 'string' }).success).toBe(true);
  });

  it.each(['', '2nd', 'with-dash', 'with space', 'dot.ted'])('refuses the port name %j', (name) => {
    expect(fieldSchema.safeParse({ name, type: 'string' }).success).toBe(false);
  });

  it('refuses unknown keys on a field', () => {
    expect(fieldSchema.safeParse({ name: 'a', type: 'string', default: 'x' }).success).toBe(false);
  });

  it('has a colour for every port type', () => {
    expect(Object.keys(PORT_COLOURS).sort()).toEqual([...PORT_TYPES].sort());
  });
});
