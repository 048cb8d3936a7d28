/**
 * JSON Schema support shared by the validator, the engine and the model step.
 * Uses @cfworker/json-schema, which interprets schemas instead of compiling them to code:
 * flow files are untrusted, so no schema ever becomes a `new Function`.
 */
import { Validator, type OutputUnit } from '@cfworker/json-schema';
import { z } from 'zod';
import { checkJsonBounds, type JsonLimits } from './json-bounds.ts';
import { withLinearRegExp } from './linear-regexp.ts';
import { schemaProblems } from './schema-problems.ts';

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

interface PreparedSchema {
  validator: Validator;
  /** Limits for the values checked against this schema. */
  limits: Partial<JsonLimits>;
}

const cache = new WeakMap<JsonSchema, PreparedSchema>();

/**
 * The validator compares every pair of items for `uniqueItems` (10,000 small items took 17 s on the
 * main thread), so values checked against a schema that uses it are kept small enough for that.
 */
export const UNIQUE_ITEMS_MAX_ENTRIES = 1_000;

function usesUniqueItems(schema: JsonSchema): boolean {
  const stack: unknown[] = [schema];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    seen.add(node);
    if (!Array.isArray(node) && (node as JsonSchema).uniqueItems === true) return true;
    for (const child of Object.values(node)) stack.push(child);
  }
  return false;
}

function prepared(schema: JsonSchema): PreparedSchema {
  let found = cache.get(schema);
  if (!found) {
    found = { validator: new Validator(schema as never, '2020-12', false), limits: usesUniqueItems(schema) ? { maxEntries: UNIQUE_ITEMS_MAX_ENTRIES } : {} };
    cache.set(schema, found);
  }
  return found;
}

function describe(unit: OutputUnit): SchemaProblem {
  const path = unit.instanceLocation.replace(/^#/, '');
  return { path, message: unit.error };
}

/** Limits for schemas (values checked against one have the default limits of json-bounds.ts). */
export const SCHEMA_LIMITS: Partial<JsonLimits> = { maxBytes: 1024 * 1024, maxEntries: 20_000 };

/**
 * Checks a value against a schema; returns the most specific problems (empty when valid). The
 * value is bounded first (so the validator's recursion stays shallow), `pattern` runs on the
 * linear-time engine, and whatever goes wrong inside the validator becomes a problem, never a throw.
 */
export function checkAgainstSchema(schema: JsonSchema, value: unknown): SchemaProblem[] {
  let result;
  try {
    const { validator, limits } = prepared(schema);
    const bounds = checkJsonBounds(value, limits);
    if (bounds) {
      const why = bounds.rule === 'entries' && limits.maxEntries !== undefined ? ' (its schema uses uniqueItems, which compares every pair of items)' : '';
      return [{ path: bounds.keys.map((key) => `/${key}`).join(''), message: `${bounds.detail}${why}` }];
    }
    result = withLinearRegExp(() => validator.validate(value));
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

/** A schema is usable when it is bounded, the validator accepts it and its references and patterns work; returns why not otherwise. */
export function schemaError(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return 'a JSON Schema must be an object';
  const bounds = checkJsonBounds(schema, SCHEMA_LIMITS);
  if (bounds) return `${bounds.keys.map((key) => `/${key}`).join('') || '/'}: ${bounds.detail}`;
  const deep = schemaProblems(schema as JsonSchema);
  if (deep) return deep;
  try {
    new Validator(schema as never, '2020-12');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
