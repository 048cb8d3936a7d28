/**
 * One bound for every JSON value that crosses a boundary (run inputs, code outputs, model replies,
 * decision payloads, flow documents, schemas, WebSocket and REST bodies): depth, size and the number
 * of keys and items, plus the keys no object may carry (`__proto__`, `constructor`, `prototype`) and
 * anything that is not JSON (NaN, Infinity, undefined, functions, symbols, bigints, cycles).
 *
 * The walk is iterative with an explicit stack, so no value, however deep, can exhaust the call
 * stack; it stops at the first problem. Paths are built only when a problem is found.
 */
import { z } from 'zod';

export interface JsonLimits {
  /** Nesting of objects and arrays; a bare scalar has depth 0. */
  maxDepth: number;
  /** Estimated UTF-8 size of the value written as JSON. */
  maxBytes: number;
  /** Object keys plus array items, over the whole value. */
  maxEntries: number;
}

export const DEFAULT_JSON_LIMITS: Readonly<JsonLimits> = Object.freeze({ maxDepth: 64, maxBytes: 8 * 1024 * 1024, maxEntries: 200_000 });

/** Keys refused in every object that enters: they reach prototypes in JavaScript code that copies objects. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type JsonBoundsRule = 'depth' | 'bytes' | 'entries' | 'forbidden-key' | 'not-json';

export interface JsonBoundsProblem {
  rule: JsonBoundsRule;
  /** Dotted path from the value's root, e.g. `inputs.items[3].name` (empty for the root). */
  path: string;
  /** The same path as keys and indexes (below `root`). */
  keys: Array<string | number>;
  /** What is wrong, without the path (e.g. `is nested deeper than the limit of 64 levels`). */
  detail: string;
  /** The path and what is wrong. */
  message: string;
}

interface Frame {
  value: unknown;
  depth: number;
  parent: Frame | undefined;
  key: string | number | undefined;
}

/** Marks where an object's children end on the stack, so cycle detection follows the current path only. */
const EXIT = Symbol('exit');
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function keysOf(frame: Frame | undefined): Array<string | number> {
  const keys: Array<string | number> = [];
  for (let at = frame; at && at.key !== undefined; at = at.parent) keys.push(at.key);
  return keys.reverse();
}

/** `root` plus keys as people read them: `inputs.items[3]["a b"]`. */
export function formatJsonPath(keys: ReadonlyArray<string | number>, root = ''): string {
  const joined = keys.map((key) => (typeof key === 'number' ? `[${key}]` : IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`)).join('');
  if (root === '') return joined.startsWith('.') ? joined.slice(1) : joined;
  return root + joined;
}

function utf8Length(text: string): number {
  let bytes = text.length;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0x80) bytes += code >= 0x800 && (code < 0xd800 || code > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

function describeLimit(rule: JsonBoundsRule, limits: JsonLimits): string {
  if (rule === 'depth') return `${limits.maxDepth} levels`;
  if (rule === 'bytes') return `${limits.maxBytes} bytes`;
  return `${limits.maxEntries} keys and items`;
}

/**
 * Checks a value against the limits; undefined when it is bounded JSON. `root` names the value in
 * messages (e.g. `inputs`, `payload`).
 */
export function checkJsonBounds(value: unknown, limits: Partial<JsonLimits> = {}, root = ''): JsonBoundsProblem | undefined {
  // Most port values are scalars: answered without setting up the walk.
  if (value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return undefined;
  if (typeof value === 'string' && value.length * 3 + 2 <= (limits.maxBytes ?? DEFAULT_JSON_LIMITS.maxBytes)) return undefined;
  const bounds: JsonLimits = { ...DEFAULT_JSON_LIMITS, ...limits };
  const stack: Frame[] = [{ value, depth: 0, parent: undefined, key: undefined }];
  const open = new Set<object>();
  let bytes = 0;
  let entries = 0;
  const problem = (rule: JsonBoundsRule, frame: Frame | undefined, detail: string): JsonBoundsProblem => {
    const keys = keysOf(frame);
    const path = formatJsonPath(keys, root);
    const where = path === '' ? 'the value' : `"${path}"`;
    return { rule, path, keys, detail, message: `${where} ${detail}` };
  };
  const over = (rule: 'bytes' | 'entries', frame: Frame): JsonBoundsProblem =>
    problem(rule, frame, `makes the value larger than the limit of ${describeLimit(rule, bounds)}`);
  // Objects already walked are removed from `open` when their frame is popped a second time.
  const exits: Array<object> = [];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const item = frame.value;
    if (item === EXIT) {
      open.delete(exits.pop()!);
      continue;
    }
    if (item === null) {
      bytes += 4;
    } else if (typeof item === 'string') {
      bytes += utf8Length(item) + 2;
    } else if (typeof item === 'boolean') {
      bytes += 5;
    } else if (typeof item === 'number') {
      if (!Number.isFinite(item)) return problem('not-json', frame, `is ${String(item)}, which JSON cannot hold`);
      bytes += 8;
    } else if (typeof item === 'object') {
      if (open.has(item)) return problem('not-json', frame, 'refers back to an object that contains it (a cycle)');
      if (frame.depth >= bounds.maxDepth) return problem('depth', frame, `is nested deeper than the limit of ${describeLimit('depth', bounds)}`);
      open.add(item);
      exits.push(item);
      stack.push({ value: EXIT, depth: 0, parent: undefined, key: undefined });
      bytes += 2;
      if (Array.isArray(item)) {
        entries += item.length;
        if (entries > bounds.maxEntries) return over('entries', frame);
        for (let index = item.length - 1; index >= 0; index--) {
          const element = item[index];
          if (element === undefined) return problem('not-json', { value: element, depth: frame.depth + 1, parent: frame, key: index }, 'is undefined, which JSON cannot hold');
          stack.push({ value: element, depth: frame.depth + 1, parent: frame, key: index });
        }
        bytes += item.length;
      } else {
        const keys = Object.keys(item);
        entries += keys.length;
        if (entries > bounds.maxEntries) return over('entries', frame);
        for (let index = keys.length - 1; index >= 0; index--) {
          const key = keys[index]!;
          const child: Frame = { value: (item as Record<string, unknown>)[key], depth: frame.depth + 1, parent: frame, key };
          if (FORBIDDEN_KEYS.has(key)) return problem('forbidden-key', child, `uses the key "${key}", which is not allowed in any object`);
          if (child.value === undefined) continue; // JSON.stringify leaves such keys out
          bytes += utf8Length(key) + 4;
          stack.push(child);
        }
        // `__proto__` set with JSON.parse is an own key, found above; one set by assignment changes the prototype.
        const prototype = Object.getPrototypeOf(item);
        if (prototype !== Object.prototype && prototype !== null) return problem('not-json', frame, 'is not a plain object');
      }
    } else {
      return problem('not-json', frame, `is ${typeof item === 'undefined' ? 'undefined' : `a ${typeof item}`}, which JSON cannot hold`);
    }
    if (bytes > bounds.maxBytes) return over('bytes', frame);
  }
  return undefined;
}


/** Throws a `JsonBoundsError` when the value is not bounded JSON. */
export function assertJsonBounds(value: unknown, limits: Partial<JsonLimits> = {}, root = ''): void {
  const found = checkJsonBounds(value, limits, root);
  if (found) throw new JsonBoundsError(found);
}

export class JsonBoundsError extends Error {
  readonly problem: JsonBoundsProblem;
  constructor(problem: JsonBoundsProblem) {
    super(problem.message);
    this.name = 'JsonBoundsError';
    this.problem = problem;
  }
}

/**
 * A zod schema for "any JSON value within these limits": use it wherever a schema would say
 * `z.unknown()` for data that crosses a boundary. The issue names the path and the limit.
 */
export function boundedJson(limits: Partial<JsonLimits> = {}) {
  return z.unknown().superRefine((value, context) => {
    const found = checkJsonBounds(value, limits);
    if (found) context.addIssue({ code: 'custom', message: found.detail, path: found.keys, params: { rule: found.rule } });
  });
}
