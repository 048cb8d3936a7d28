/**
 * Port types and the one compatibility rule used by the canvas, the validator and the engine.
 */
import { z } from 'zod';
import { checkJsonBounds, type JsonBoundsProblem } from './json-bounds.ts';
import { checkAgainstSchema, jsonSchemaSchema, type JsonSchema } from './json-schema.ts';

export const PORT_TYPES = ['string', 'number', 'boolean', 'json', 'any'] as const;
export const portTypeSchema = z.enum(PORT_TYPES);
export type PortType = z.infer<typeof portTypeSchema>;

export const PORT_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const portNameSchema = z
  .string()
  .regex(PORT_NAME_PATTERN, 'a port name starts with a letter or _ and holds only letters, digits and _')
  .refine((name) => name !== '__proto__', 'a port cannot be named __proto__');

/** A typed field as declared in config (`fields`, `inputs`, `outputs`). */
export const fieldSchema = z
  .object({
    name: portNameSchema,
    type: portTypeSchema,
    schema: jsonSchemaSchema.optional(),
    description: z.string().optional(),
  })
  .strict();
export type Field = z.infer<typeof fieldSchema>;

export type PortDirection = 'in' | 'out';

export interface PortSpec {
  name: string;
  type: PortType;
  /** For `json` ports: the JSON Schema a value must satisfy. */
  schema?: JsonSchema;
  /** Inputs only: must be wired for the flow to be valid. */
  required: boolean;
  description?: string;
  /** A few words the canvas shows beside the port (a switch case's condition). */
  caption?: string;
}

export interface NodePorts {
  inputs: PortSpec[];
  outputs: PortSpec[];
}

export function portFromField(field: Field, required = true): PortSpec {
  const port: PortSpec = { name: field.name, type: field.type, required };
  if (field.schema && field.type === 'json') port.schema = field.schema;
  if (field.description) port.description = field.description;
  return port;
}

export type Fit = { ok: true } | { ok: false; reason: string };

/**
 * Whether a wire from an output port may feed an input port.
 * Equal types fit; `any` on either end fits; `json` into `json` fits (the target's schema is
 * checked at run time). Nothing converts silently: a person who needs a conversion adds a code node.
 */
export function canConnect(from: Pick<PortSpec, 'type'>, to: Pick<PortSpec, 'type'>): Fit {
  if (from.type === to.type || from.type === 'any' || to.type === 'any') return { ok: true };
  return { ok: false, reason: `${from.type} cannot feed ${to.type}: add a code node to convert` };
}

function typeOfValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return 'non-finite number';
  return typeof value;
}

/** A bounds problem as a port message: the path inside the value, as a JSON pointer, and what is wrong. */
function boundsMessage(port: Pick<PortSpec, 'name'>, problem: JsonBoundsProblem): string {
  const pointer = problem.keys.map((key) => `/${key}`).join('') || '/';
  if (problem.rule === 'not-json') return `port "${port.name}" value is not JSON: at ${pointer} it ${problem.detail}`;
  return `port "${port.name}" value at ${pointer} ${problem.detail}`;
}

/**
 * Checks a value arriving on (or leaving through) a port at run time.
 * Returns a message naming the port and the problem, or undefined when the value fits. The value
 * is bounded first (depth, size, keys, forbidden keys: see json-bounds.ts) by an iterative walk,
 * and the schema check cannot throw, so no value can crash or stall the engine that calls this.
 */
export function checkPortValue(port: Pick<PortSpec, 'name' | 'type' | 'schema'>, value: unknown): string | undefined {
  const actual = typeOfValue(value);
  switch (port.type) {
    case 'any': {
      if (value === undefined) return `port "${port.name}" got no value`;
      const bad = checkJsonBounds(value);
      return bad ? boundsMessage(port, bad) : undefined;
    }
    case 'string':
    case 'boolean':
      return actual === port.type ? undefined : `port "${port.name}" expects ${port.type} but got ${actual}`;
    case 'number':
      return actual === 'number' ? undefined : `port "${port.name}" expects number but got ${actual}`;
    case 'json': {
      if (value === undefined || actual === 'function' || actual === 'symbol' || actual === 'bigint' || actual === 'non-finite number') {
        return `port "${port.name}" expects JSON but got ${actual}`;
      }
      const bad = checkJsonBounds(value);
      if (bad) return boundsMessage(port, bad);
      if (!port.schema) return undefined;
      const problems = checkAgainstSchema(port.schema, value);
      if (problems.length === 0) return undefined;
      const first = problems[0]!;
      return `port "${port.name}" value breaks its schema at ${first.path || '/'}: ${first.message}`;
    }
  }
}

/** Colours per port type, shared by the palette, handles and wires. */
export const PORT_COLOURS: Record<PortType, string> = {
  string: '#2f9e6e',
  number: '#3b7dd8',
  boolean: '#c0841a',
  json: '#8a5cd0',
  any: '#7a828e',
};
