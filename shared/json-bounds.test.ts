import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { boundedJson, checkJsonBounds, formatJsonPath } from './json-bounds.ts';

function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

describe('checkJsonBounds', () => {
  it('accepts ordinary JSON and shared (non-cyclic) references', () => {
    const shared = { a: 1 };
    expect(checkJsonBounds({ text: 'hé', list: [1, true, null, { shared }, { shared }] })).toBeUndefined();
  });

  it('refuses a value nested deeper than the limit, without exhausting the stack', () => {
    expect(checkJsonBounds(nested(64))).toBeUndefined();
    const found = checkJsonBounds({ items: nested(100_000) }, {}, 'inputs');
    expect(found?.rule).toBe('depth');
    expect(found?.message).toMatch(/^"inputs\.items(\[0\])+" is nested deeper than the limit of 64 levels$/);
  });

  it('refuses a parsed 8,000-deep document', () => {
    const text = '['.repeat(8000) + ']'.repeat(8000);
    expect(checkJsonBounds(JSON.parse(text))?.rule).toBe('depth');
  });

  it('counts size and entries', () => {
    expect(checkJsonBounds({ big: 'x'.repeat(200) }, { maxBytes: 100 })).toMatchObject({ rule: 'bytes', path: 'big' });
    expect(checkJsonBounds('€'.repeat(40), { maxBytes: 100 })?.rule).toBe('bytes'); // 120 bytes in UTF-8
    expect(checkJsonBounds(Array.from({ length: 11 }, () => 0), { maxEntries: 10 })?.message).toContain('10 keys and items');
  });

  it('refuses forbidden keys however they arrive', () => {
    expect(checkJsonBounds(JSON.parse('{"a":{"__proto__":{"x":1}}}'))).toMatchObject({ rule: 'forbidden-key', path: 'a.__proto__' });
    expect(checkJsonBounds({ constructor: 1 })?.rule).toBe('forbidden-key');
    expect(checkJsonBounds([{ ok: { prototype: 2 } }])?.path).toBe('[0].ok.prototype');
  });

  it('refuses what JSON cannot hold, naming the path', () => {
    expect(checkJsonBounds({ a: [1, Number.NaN] })).toMatchObject({ rule: 'not-json', path: 'a[1]' });
    expect(checkJsonBounds({ f: () => 1 })?.message).toBe('"f" is a function, which JSON cannot hold');
    expect(checkJsonBounds([undefined])?.path).toBe('[0]');
    expect(checkJsonBounds(10n)?.rule).toBe('not-json');
    expect(checkJsonBounds(new Date())?.message).toContain('not a plain object');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = { back: cyclic };
    expect(checkJsonBounds(cyclic)).toMatchObject({ rule: 'not-json', path: 'self.back' });
  });

  it('formats paths people can read', () => {
    expect(formatJsonPath(['a', 0, 'b c'], 'inputs')).toBe('inputs.a[0]["b c"]');
  });

  it('serves as a zod schema whose issue names the path and the limit', () => {
    const schema = z.object({ payload: boundedJson({ maxDepth: 3 }) });
    const result = schema.safeParse({ payload: { a: { b: { c: { d: 1 } } } } });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]).toMatchObject({ path: ['payload', 'a', 'b', 'c'], message: 'is nested deeper than the limit of 3 levels' });
  });
});
