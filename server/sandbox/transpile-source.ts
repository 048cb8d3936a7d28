import { transform } from 'sucrase';
import type { SandboxFailure } from './sandbox-types.ts';

/** `code` is the text of one function expression, the factory (see {@link transpileSource}). */
type Transpiled = { ok: true; code: string } | { ok: false; error: SandboxFailure };

/**
 * The factory's head: the module body becomes the body of this function, whose
 * `exports` parameter receives what the module exports and whose `require` is the
 * prelude's import refuser. Kept on the module's first line so that line numbers in
 * errors stay the user's. The factory is an async function only when the code contains
 * the word `await` anywhere (so top-level await works): a plain function lets a step
 * whose default export returns a plain object finish without a single promise job,
 * which is about half the cost of a warm call. A stray `await` in a comment or string
 * only selects the slower form.
 */
export const FACTORY_HEAD = "function (exports, require) {'use strict';";
export const ASYNC_FACTORY_HEAD = `async ${FACTORY_HEAD}`;
export const FACTORY_TAIL = '\n}';

/**
 * Recent results, keyed by language and source (least recently used dropped first).
 * Why: sucrase takes about 0.2 ms even for a one-line step, more than the rest of a warm
 * call, and a flow runs the same step source over and over. Safe to share: the result is
 * a pure function of the source text, and results are frozen so no caller can alter
 * another's. Sources over {@link MAX_CACHED_SOURCE_CHARS} are not kept, so the cache
 * holds at most a few MiB. One map per language keyed by the source itself, not by a key string
 * built per call: a step's source is the same string on every call, so its hash is computed once,
 * where a new key string would be hashed (read in full) on every call.
 */
const caches = { javascript: new Map<string, Readonly<Transpiled>>(), typescript: new Map<string, Readonly<Transpiled>>() };
/**
 * The most recently used source of each cache, which a lookup leaves where it is: a step called
 * again and again (a warm flow) then costs one `get`, not the least-recently-used bump of a
 * `delete` and a `set`, which also reallocates a small map's table (bench/README.md, round five).
 */
const newest: Record<'javascript' | 'typescript', string | undefined> = { javascript: undefined, typescript: undefined };
/** Per language. */
const CACHE_ENTRIES = 64;
export const MAX_CACHED_SOURCE_CHARS = 64 * 1024;

/**
 * Turns a code step's source (an ES module whose default export is the step) into the
 * text of its factory: `[async] function (exports, require) { <module body> }`. Calling
 * the factory runs the module body again, so every call gets fresh top-level variables
 * while the realm compiles the source only once (see guest-realm.ts).
 *
 * sucrase rewrites `import`/`export` into `require(...)`/`exports.x = ...` (its
 * "imports" transform) and, for TypeScript, strips the types. It keeps every statement
 * on its original line, so line numbers in errors are the user's; columns can shift on
 * lines that had type annotations or an import or export, and on the first line, which
 * also holds the factory's head. Imports are kept, even type-only-looking ones, so that
 * every import fails the same clear way in the sandbox: `require` refuses them all.
 * Top-level `await` works because such a factory is an async function.
 *
 * The text is only trusted to be one function once QuickJS has compiled it and the
 * function's own source text is exactly this text (the prelude's `adopt`): a source
 * that closes the function early fails there as a syntax error.
 */
export function transpileSource(source: string, language: 'javascript' | 'typescript'): Readonly<Transpiled> {
  const cache = caches[language];
  const cached = cache.get(source);
  if (cached !== undefined) {
    if (newest[language] !== source) {
      cache.delete(source);
      cache.set(source, cached);
      newest[language] = source;
    }
    return cached;
  }
  const result = deepFreeze(transpileModule(source, language));
  if (source.length <= MAX_CACHED_SOURCE_CHARS) {
    cache.set(source, result);
    newest[language] = source;
    if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  }
  return result;
}

function transpileModule(source: string, language: 'javascript' | 'typescript'): Transpiled {
  try {
    const { code } = transform(source, {
      transforms: language === 'typescript' ? ['typescript', 'imports'] : ['imports'],
      disableESTransforms: true,
      keepUnusedImports: true,
      filePath: language === 'typescript' ? 'user-code.ts' : 'user-code.js',
    });
    return { ok: true, code: (/\bawait\b/.test(code) ? ASYNC_FACTORY_HEAD : FACTORY_HEAD) + code + FACTORY_TAIL };
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
