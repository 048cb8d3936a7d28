import { transform } from 'sucrase';
import type { SandboxFailure } from './sandbox-types.ts';

/**
 * Turns a code step's source into the JavaScript module QuickJS evaluates. JavaScript
 * passes through untouched; TypeScript has its types stripped by sucrase, which keeps
 * every statement on its original line, so line numbers in errors are the user's.
 * (Columns can shift left on lines that had type annotations.) Imports are kept, even
 * type-only-looking ones, so that every import fails the same clear way in the sandbox.
 */
export function transpileSource(
  source: string,
  language: 'javascript' | 'typescript',
): { ok: true; code: string } | { ok: false; error: SandboxFailure } {
  if (language === 'javascript') return { ok: true, code: source };
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
