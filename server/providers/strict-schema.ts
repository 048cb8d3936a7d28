/**
 * Whether a JSON Schema can be sent with OpenAI's `strict: true` Structured Outputs. Strict mode
 * makes the model's reply match the schema by construction, but only accepts a subset of JSON
 * Schema: an object root, every object with `additionalProperties: false` and every property listed
 * in `required`, and a limited set of keywords (no allOf/oneOf/not/if, no patternProperties ...).
 *
 * A schema outside that subset is sent with `strict: false` instead of being rewritten: rewriting
 * (making optional properties required, say) would change what the flow author asked for. Weft
 * checks every reply against the schema either way, so strict is an optimisation, not the guard.
 */
type Schema = Record<string, unknown>;

const ALLOWED_KEYWORDS = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'anyOf',
  '$ref', '$defs', 'definitions', 'description', 'title', '$schema', '$id',
  'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minItems', 'maxItems',
]);

/** OpenAI's documented nesting limit for strict schemas. */
const MAX_NESTING = 10;

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function problemIn(schema: unknown, path: string, depth: number): string | undefined {
  if (!isSchema(schema)) return `${path || '/'}: a boolean schema`;
  if (depth > MAX_NESTING) return `${path}: nested deeper than ${MAX_NESTING} levels`;
  for (const key of Object.keys(schema)) {
    if (!ALLOWED_KEYWORDS.has(key)) return `${path || '/'}: "${key}" is not supported in strict mode`;
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('object') || isSchema(schema.properties)) {
    const properties = isSchema(schema.properties) ? schema.properties : {};
    if (schema.additionalProperties !== false) return `${path || '/'}: objects need "additionalProperties": false`;
    const required = Array.isArray(schema.required) ? schema.required : [];
    const optional = Object.keys(properties).find((key) => !required.includes(key));
    if (optional !== undefined) return `${path}/${optional}: every property must be required`;
    for (const [key, property] of Object.entries(properties)) {
      const problem = problemIn(property, `${path}/${key}`, depth + 1);
      if (problem) return problem;
    }
  }
  if (schema.items !== undefined) {
    const problem = problemIn(schema.items, `${path}/items`, depth + 1);
    if (problem) return problem;
  }
  for (const [index, branch] of (Array.isArray(schema.anyOf) ? schema.anyOf : []).entries()) {
    const problem = problemIn(branch, `${path}/anyOf/${index}`, depth + 1);
    if (problem) return problem;
  }
  for (const defs of [schema.$defs, schema.definitions]) {
    for (const [key, definition] of Object.entries(isSchema(defs) ? defs : {})) {
      const problem = problemIn(definition, `${path}/$defs/${key}`, depth + 1);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** Why a schema cannot be sent strict, or undefined when it can. */
export function strictProblem(schema: Schema): string | undefined {
  if (schema.type !== 'object') return 'the root must be an object';
  return problemIn(schema, '', 0);
}

export function isStrictCompatible(schema: Schema): boolean {
  return strictProblem(schema) === undefined;
}
