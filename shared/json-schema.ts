/**
 * JSON Schema support shared by the validator, the engine and the model step.
 * Uses @cfworker/json-schema, which interprets schemas instead of compiling them to code:
 * flow files are untrusted, so no schema ever becomes a `new Function`.
 */
import { Validator, type OutputUnit } from '@cfworker/json-schema';
import { z } from 'zod';

export type JsonSchema = { [key: string]: unknown };

/** A JSON Schema object as it may appear in a flow file (checked for shape, not for every keyword). */
export const jsonSchemaSchema = z
  .record(z.string(), z.unknown())
  .describe('A JSON Schema (draft 2020-12) describing the value');

export interface SchemaProblem {
  /** JSON pointer-like path into the value, e.g. `/items/0/name` ('' for the value itself). */
  path: string;
  message: string;
}

const cache = new WeakMap<JsonSchema, Validator>();

function validatorFor(schema: JsonSchema): Validator {
  let validator = cache.get(schema);
  if (!validator) {
    validator = new Validator(schema as never, '2020-12', false);
    cache.set(schema, validator);
  }
  return validator;
}

function describe(unit: OutputUnit): SchemaProblem {
  const path = unit.instanceLocation.replace(/^#/, '');
  return { path, message: unit.error };
}

/** Checks a value against a schema; returns the most specific problems (empty when valid). */
export function checkAgainstSchema(schema: JsonSchema, value: unknown): SchemaProblem[] {
  let result;
  try {
    result = validatorFor(schema).validate(value);
  } catch (error) {
    return [{ path: '', message: `the schema cannot be used: ${error instanceof Error ? error.message : String(error)}` }];
  }
  if (result.valid) return [];
  // The deepest locations are the most useful to a person; wrapper units ("properties failed") are noise.
  const deepest = Math.max(...result.errors.map((e) => e.instanceLocation.length));
  const specific = result.errors.filter(
    (e) => e.instanceLocation.length === deepest && !/^Property .* does not match schema\.$/.test(e.error),
  );
  return (specific.length > 0 ? specific : result.errors).map(describe);
}

const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

function resolvePointer(root: unknown, pointer: string): boolean {
  if (pointer === '' || pointer === '/') return true;
  let current: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return false;
    current = (current as Record<string, unknown>)[key];
  }
  return true;
}

/** Problems the validator would only meet at run time: dangling or remote `$ref`, unknown `type` names. */
function deepProblems(root: unknown, node: unknown, path: string): string | undefined {
  if (Array.isArray(node)) {
    for (let index = 0; index < node.length; index++) {
      const problem = deepProblems(root, node[index], `${path}/${index}`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof node !== 'object' || node === null) return undefined;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      if (!value.startsWith('#')) return `${path || '/'}: $ref "${value}" points outside the schema (only local references like "#/$defs/name" are allowed)`;
      if (!resolvePointer(root, value.slice(1))) return `${path || '/'}: $ref "${value}" points nowhere`;
    }
    if (key === 'type' && (typeof value === 'string' || Array.isArray(value))) {
      const names = Array.isArray(value) ? value : [value];
      const unknown = names.find((name) => typeof name !== 'string' || !JSON_TYPES.has(name));
      if (unknown !== undefined) return `${path || '/'}: "${String(unknown)}" is not a JSON Schema type (${[...JSON_TYPES].join(', ')})`;
    }
    if (key !== 'enum' && key !== 'const' && key !== 'default' && key !== 'examples') {
      const problem = deepProblems(root, value, `${path}/${key}`);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** A schema is usable when the validator accepts it and its references resolve; returns why not otherwise. */
export function schemaError(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return 'a JSON Schema must be an object';
  const deep = deepProblems(schema, schema, '');
  if (deep) return deep;
  try {
    new Validator(schema as never, '2020-12');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
