/**
 * JSON Schema `pattern` and `patternProperties` run on re2js (a port of RE2), whose matching time
 * is linear in the text: a pattern such as `^(a+)+$` cannot stall the server, whatever it is given.
 * JavaScript's own RegExp backtracks, and 31 characters against that pattern took over 15 s on the
 * main thread. The price: patterns RE2 cannot express (backreferences, lookaround) are refused
 * when a flow is validated, with `linearPatternError` naming the pattern.
 */
import { RE2JS } from 're2js';

/** Compiled patterns by source; cleared when full, since patterns come from flow files. */
const compiled = new Map<string, RE2JS>();
const MAX_COMPILED = 512;

/** Compiles an ECMAScript pattern (the JSON Schema dialect) for RE2; throws when RE2 cannot run it. */
export function compileLinear(pattern: string): RE2JS {
  let found = compiled.get(pattern);
  if (!found) {
    found = RE2JS.compile(RE2JS.translateRegExp(pattern));
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(pattern, found);
  }
  return found;
}

/** Why RE2 cannot run this pattern, or undefined when it can. */
export function linearPatternError(pattern: string): string | undefined {
  try {
    compileLinear(pattern);
    return undefined;
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
    return `pattern "${pattern}" cannot be used: ${detail} (patterns are matched in linear time, without backreferences or lookaround)`;
  }
}

/** What @cfworker/json-schema needs of a RegExp: `new RegExp(source, 'u').test(text)`. */
function LinearRegExp(source: string): { test(text: string): boolean } {
  const pattern = compileLinear(String(source));
  return { test: (text: string) => pattern.matcher(String(text)).find() };
}

/**
 * Runs `check` with the global `RegExp` replaced by the linear-time engine. @cfworker/json-schema
 * builds its `pattern` and `patternProperties` expressions with `new RegExp(...)` at check time
 * and offers no option for another engine, so the swap lasts exactly as long as one synchronous
 * check: no other code can run in between. Regular-expression literals are not affected.
 */
export function withLinearRegExp<T>(check: () => T): T {
  const original = globalThis.RegExp;
  globalThis.RegExp = LinearRegExp as unknown as RegExpConstructor;
  try {
    return check();
  } finally {
    globalThis.RegExp = original;
  }
}
