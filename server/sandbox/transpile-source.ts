import { transform } from 'sucrase';
import type { SandboxFailure } from './sandbox-types.ts';

type Transpiled = { ok: true; code: string } | { ok: false; error: SandboxFailure };

/**
 * Recent TypeScript results, keyed by source (least recently used dropped first).
 * Why: sucrase takes about 0.2 ms even for a one-line step, more than the rest of a warm
 * call, and a flow runs the same step source over and over. Safe to share: the result is
 * a pure function of the source text, and results are frozen so no caller can alter
 * another's. Sources over {@link MAX_CACHED_SOURCE_CHARS} are not kept, so the cache
 * holds at most a few MiB.
 */
const cache = new Map<string, Readonly<Transpiled>>();
const CACHE_ENTRIES = 64;
const MAX_CACHED_SOURCE_CHARS = 64 * 1024;

/**
 * Turns a code step's source into the JavaScript module QuickJS evaluates. JavaScript
 * passes through untouched; TypeScript has its types stripped by sucrase, which keeps
 * every statement on its original line, so line numbers in errors are the user's.
 * (Columns can shift left on lines that had type annotations.) Imports are kept, even
 * type-only-looking ones, so that every import fails the same clear way in the sandbox.
 */
export function transpileSource(source: string, language: 'javascript' | 'typescript'): Readonly<Transpiled> {
  if (language === 'javascript') return { ok: true, code: source };
  const cached = cache.get(source);
  if (cached !== undefined) {
    cache.delete(source);
    cache.set(source, cached);
    return cached;
  }
  const result = deepFreeze(transpileTypeScript(source));
  if (source.length <= MAX_CACHED_SOURCE_CHARS) {
    cache.set(source, result);
    if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  }
  return result;
}

function transpileTypeScript(source: string): Transpiled {
  try {
    const { code } = transform(source, {
      transforms: ['typescript'],
      disableESTransforms: true,
      keepUnusedImports: true,
      filePath: 'user-code.ts',
    });
    return { ok: true, code };
  } catch (error) {
    return { ok: false, error: syntaxFailure(error) };
  }
}

function deepFreeze(result: Transpiled): Readonly<Transpiled> {
  if (!result.ok) Object.freeze(result.error);
  return Object.freeze(result);
}

function syntaxFailure(error: unknown): SandboxFailure {
  const raw = error instanceof Error ? error.message : String(error);
  const message = `SyntaxError: ${raw.replace(/^Error transforming [^:]*: /, '').replace(/\s*\(\d+:\d+\)\s*$/, '')}`;
  const location: unknown = error instanceof Error ? (error as Error & { loc?: unknown }).loc : undefined;
  if (location !== null && typeof location === 'object') {
    const { line, column } = location as { line?: unknown; column?: unknown };
    if (typeof line === 'number' && typeof column === 'number') {
      return { message, line, column: column + 1 };
    }
  }
  return { message };
}
