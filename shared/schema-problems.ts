/**
 * Problems in a JSON Schema that the validator would only meet at run time, after a model call
 * may already have been paid for: a `$ref` that points nowhere or outside the schema, a `$ref`
 * cycle that never reaches a value (a -> b -> a), an unknown `type` name, and a `pattern` the
 * linear-time engine cannot run. The walk is iterative, so no schema can exhaust the stack.
 */
import { linearPatternError } from './linear-regexp.ts';

type SchemaObject = { [key: string]: unknown };

const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
/** Keywords whose values are data, not schemas. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);
/** Keywords that apply a schema to the same value (no step into the value): a cycle through them never ends. */
const IN_PLACE_SINGLE = ['not', 'if', 'then', 'else'] as const;
const IN_PLACE_LISTS = ['allOf', 'anyOf', 'oneOf'] as const;

function isObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a JSON pointer (`/$defs/a`), or `missing`. */
function resolvePointer(root: unknown, pointer: string): unknown {
  let current: unknown = root;
  if (pointer === '' || pointer === '/') return current;
  for (const raw of pointer.slice(1).split('/')) {
    let key: string;
    try {
      key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return MISSING;
    }
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return MISSING;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
const MISSING = Symbol('missing');

function typeProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' && !Array.isArray(value)) return undefined;
  const names = Array.isArray(value) ? value : [value];
  const unknown = names.find((name) => typeof name !== 'string' || !JSON_TYPES.has(name));
  return unknown === undefined ? undefined : `"${String(unknown)}" is not a JSON Schema type (${[...JSON_TYPES].join(', ')})`;
}

/** The schemas a schema applies to the same value: its `$ref` target and its in-place applicators. */
function inPlaceTargets(root: SchemaObject, schema: SchemaObject): unknown[] {
  const targets: unknown[] = [];
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#')) targets.push(resolvePointer(root, schema.$ref.slice(1)));
  for (const key of IN_PLACE_SINGLE) if (isObject(schema[key])) targets.push(schema[key]);
  for (const key of IN_PLACE_LISTS) if (Array.isArray(schema[key])) targets.push(...(schema[key] as unknown[]));
  if (isObject(schema.dependentSchemas)) targets.push(...Object.values(schema.dependentSchemas));
  return targets.filter(isObject);
}

/** A cycle of schemas applied in place to one value, as their paths, or undefined. */
function inPlaceCycle(root: SchemaObject, paths: Map<SchemaObject, string>): string[] | undefined {
  const state = new Map<SchemaObject, 'open' | 'done'>();
  for (const start of paths.keys()) {
    if (state.has(start)) continue;
    const stack: Array<{ node: SchemaObject; next: unknown[] }> = [{ node: start, next: inPlaceTargets(root, start) }];
    state.set(start, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const target = top.next.pop() as SchemaObject | undefined;
      if (target === undefined) {
        state.set(top.node, 'done');
        stack.pop();
        continue;
      }
      const seen = state.get(target);
      if (seen === 'open') {
        const from = stack.findIndex((frame) => frame.node === target);
        return [...stack.slice(from).map((frame) => paths.get(frame.node) ?? '?'), paths.get(target) ?? '?'];
      }
      if (seen === undefined) {
        state.set(target, 'open');
        stack.push({ node: target, next: inPlaceTargets(root, target) });
      }
    }
  }
  return undefined;
}

/** The first problem found, naming where in the schema; undefined for a usable schema. */
export function schemaProblems(root: SchemaObject): string | undefined {
  const paths = new Map<SchemaObject, string>();
  const stack: Array<{ node: unknown; path: string }> = [{ node: root, path: '' }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (Array.isArray(node)) {
      for (let index = node.length - 1; index >= 0; index--) stack.push({ node: node[index], path: `${path}/${index}` });
      continue;
    }
    if (!isObject(node)) continue;
    paths.set(node, path || '/');
    const where = path || '/';
    const entries = Object.entries(node);
    for (let index = entries.length - 1; index >= 0; index--) {
      const [key, value] = entries[index]!;
      if (key === '$ref' && typeof value === 'string') {
        if (!value.startsWith('#')) return `${where}: $ref "${value}" points outside the schema (only local references like "#/$defs/name" are allowed)`;
        if (resolvePointer(root, value.slice(1)) === MISSING) return `${where}: $ref "${value}" points nowhere`;
      }
      if (key === 'type') {
        const problem = typeProblem(value);
        if (problem) return `${where}: ${problem}`;
      }
      if (key === 'pattern' && typeof value === 'string') {
        const problem = linearPatternError(value);
        if (problem) return `${where}: ${problem}`;
      }
      if (key === 'patternProperties' && isObject(value)) {
        for (const pattern of Object.keys(value)) {
          const problem = linearPatternError(pattern);
          if (problem) return `${path}/patternProperties: ${problem}`;
        }
      }
      if (!DATA_KEYWORDS.has(key)) stack.push({ node: value, path: `${path}/${key}` });
    }
  }
  const cycle = inPlaceCycle(root, paths);
  if (cycle) return `${cycle[0]}: $ref cycle ${cycle.join(' -> ')} never reaches a value`;
  return undefined;
}
