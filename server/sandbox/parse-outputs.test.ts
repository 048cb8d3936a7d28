import { describe, expect, it } from 'vitest';
import { parseOutputs } from './parse-outputs.ts';

/** Short outputs skip the bounds walk only when their text cannot hold what the walk refuses. */
describe('parseOutputs', () => {
  it('accepts short plain outputs', () => {
    expect(parseOutputs('{"value":"hello","n":[1,2]}')).toEqual({ ok: true, outputs: { value: 'hello', n: [1, 2] } });
  });

  it.each([
    ['__proto__ spelled with an escape', '{"__proto\\u005f_":{"polluted":1}}', '__proto__'],
    ['constructor spelled with an escape', '{"a":{"\\u0063onstructor":1}}', 'constructor'],
    ['prototype, short', '{"prototype":1}', 'prototype'],
  ])('refuses a forbidden key in short outputs: %s', (_name, json, key) => {
    const parsed = parseOutputs(json);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(`must not contain the key "${key}"`);
  });

  it('refuses outputs nested past the depth limit', () => {
    const json = `{"a":${'['.repeat(70)}${']'.repeat(70)}}`;
    const parsed = parseOutputs(json);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(/deeper than the limit/);
  });
});
