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
  const result = validatorFor(schema).validate(value);
  if (result.valid) return [];
  // The deepest locations are the most useful to a person; wrapper units ("properties failed") are noise.
  const deepest = Math.max(...result.errors.map((e) => e.instanceLocation.length));
  const specific = result.errors.filter(
    (e) => e.instanceLocation.length === deepest && !/^Property .* does not match schema\.$/.test(e.error),
  );
  return (specific.length > 0 ? specific : result.errors).map(describe);
}

/** A schema is usable when the validator accepts it; returns why not otherwise. */
export function schemaError(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return 'a JSON Schema must be an object';
  try {
    new Validator(schema as never, '2020-12');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
