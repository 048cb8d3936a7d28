import { describe, expect, it } from 'vitest';
import { ASYNC_FACTORY_HEAD, FACTORY_HEAD, FACTORY_TAIL, transpileSource } from './transpile-source.ts';

describe('transpileSource', () => {
  it('wraps a JavaScript module in its factory, exports rewritten, on the same lines', () => {
    const source = 'const base = 1;\nexport default (inputs) => ({ y: inputs?.x ?? base })';
    const result = transpileSource(source, 'javascript');
    if (!result.ok) throw new Error(result.error.message);
    expect(result.code.startsWith(FACTORY_HEAD)).toBe(true);
    expect(result.code.endsWith(FACTORY_TAIL)).toBe(true);
    const lines = result.code.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('const base = 1;');
    expect(lines[1]).toMatch(/exports\. ?default = \(inputs\) => \(\{ y: inputs\?\.x \?\? base \}\)/);
    expect(result.code).not.toMatch(/\bexport default\b/);
  });

  it('makes the factory async only when the code may use top-level await', () => {
    const plain = transpileSource('export default () => ({})', 'javascript');
    const awaiting = transpileSource('const x = await Promise.resolve(1);\nexport default () => ({ x })', 'javascript');
    expect(plain.ok && plain.code.startsWith(FACTORY_HEAD)).toBe(true);
    expect(awaiting.ok && awaiting.code.startsWith(ASYNC_FACTORY_HEAD)).toBe(true);
  });

  it('turns every import into a call of the refusing require', () => {
    const result = transpileSource("import { readFileSync } from 'node:fs';\nexport default async () => ({ x: await import('os') })", 'javascript');
    if (!result.ok) throw new Error(result.error.message);
    expect(result.code).toContain("require('node:fs')");
    expect(result.code).toContain("require('os')");
  });

  it('strips TypeScript while keeping every line where it was', () => {
    const source = [
      "import type { Shape } from './types';",
      'interface Input {',
      '  x: number;',
      '}',
      'enum Mode { Fast, Slow }',
      'type Pair<T> = [T, T];',
      'abstract class Base { protected abstract size(): number }',
      'export default function (inputs: Input): Record<string, unknown> {',
      '  const pair: Pair<number> = [inputs.x, inputs.x as number];',
      '  return { mode: Mode.Slow, sum: pair[0]! + pair[1] };',
      '}',
    ].join('\n');
    const result = transpileSource(source, 'typescript');
    if (!result.ok) throw new Error(result.error.message);
    const lines = result.code.split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[7]).toMatch(/function \(inputs\)/);
    expect(lines[8]).toContain('const pair = [inputs.x, inputs.x ]');
    expect(lines[9]).toContain('return { mode: Mode.Slow');
  });

  it('reports a syntax error with its line and a 1-based column', () => {
    const result = transpileSource('const a = 1;\nconst b: number = ;\n', 'typescript');
    expect(result).toMatchObject({ ok: false, error: { message: 'SyntaxError: Unexpected token', line: 2 } });
    if (!result.ok) expect(result.error.column).toBeGreaterThan(1);
  });
});

describe('the transpile cache', () => {
  it('returns the same frozen result for the same TypeScript source', () => {
    const source = 'export default (inputs: { x: number }) => ({ y: inputs.x })';
    const first = transpileSource(source, 'typescript');
    expect(transpileSource(source, 'typescript')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(transpileSource(`${source} `, 'typescript')).not.toBe(first);
  });

  it('keeps syntax errors frozen so no caller can change another caller’s error', () => {
    const broken = 'const a: number = ;';
    const first = transpileSource(broken, 'typescript');
    if (first.ok) throw new Error('expected a syntax error');
    expect(transpileSource(broken, 'typescript')).toBe(first);
    expect(Object.isFrozen(first.error)).toBe(true);
  });

  it('drops the least recently used entry first, a repeated lookup keeping the newest', () => {
    const kept = 'export default (): { kept: boolean } => ({ kept: true })';
    const other = 'export default (): { other: boolean } => ({ other: true })';
    const first = transpileSource(kept, 'typescript');
    expect(transpileSource(kept, 'typescript')).toBe(first);
    const otherFirst = transpileSource(other, 'typescript');
    // Used after `other`, so `other` is now older and goes first.
    expect(transpileSource(kept, 'typescript')).toBe(first);
    for (let index = 0; index < 63; index += 1) transpileSource(`export default (): { n: number } => ({ n: ${1000 + index} })`, 'typescript');
    expect(transpileSource(kept, 'typescript')).toBe(first);
    expect(transpileSource(other, 'typescript')).not.toBe(otherFirst);
  });

  it('still transpiles correctly after many distinct sources push entries out', () => {
    for (let index = 0; index < 200; index += 1) {
      const result = transpileSource(`export default (): { n: number } => ({ n: ${index} })`, 'typescript');
      expect(result.ok && result.code).toMatch(new RegExp(`exports\\. ?default = \\(\\) => \\(\\{ n: ${index} \\}\\)`));
    }
  });
});
