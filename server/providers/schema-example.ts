/**
 * A deterministic value that satisfies a JSON Schema, for the simulated endpoint. It covers what
 * model output schemas use (types, enum/const, required properties, array bounds, number ranges,
 * string formats and lengths, anyOf/oneOf/allOf, local $ref); `pattern` is not generated.
 */
type Schema = Record<string, unknown>;

export interface ExampleOptions {
  /** Words to build plausible strings from (the prompt). */
  hint: string;
  /**
   * Picks the branch of an anyOf/oneOf; default the first. The simulated endpoint uses it to
   * choose the "unsure" branch when asked to.
   */
  chooseBranch?: (branches: Schema[]) => number;
  /** Overrides the text of a string property by name (undefined: the generated text). */
  stringFor?: (name: string) => string | undefined;
}

const MAX_DEPTH = 12;

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolveRef(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#')) return {};
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = isSchema(node) ? node[part] : undefined;
  }
  return isSchema(node) ? node : {};
}

function words(text: string): string[] {
  return text.split(/\s+/).map((word) => word.replace(/[^\p{L}\p{N}'-]/gu, '')).filter(Boolean);
}

function humanise(name: string): string {
  return name.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().trim();
}

function exampleString(schema: Schema, name: string, options: ExampleOptions): string {
  const hint = options.hint;
  switch (schema.format) {
    case 'email': return 'someone@example.com';
    case 'date': return '2025-01-01';
    case 'date-time': return '2025-01-01T12:00:00Z';
    case 'time': return '12:00:00Z';
    case 'uri': case 'url': return 'https://example.com/';
    case 'uuid': return '00000000-0000-4000-8000-000000000000';
  }
  const topic = words(hint).slice(0, 6).join(' ');
  let text = options.stringFor?.(name) ?? (name ? `${humanise(name)}${topic ? ` of: ${topic}` : ''}` : topic || 'simulated text');
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  text = [...text].slice(0, max).join('');
  while ([...text].length < min) text += '.';
  return text;
}

function exampleNumber(schema: Schema, integer: boolean): number {
  const step = integer ? 1 : 0.5;
  const num = (key: string) => (typeof schema[key] === 'number' ? (schema[key] as number) : undefined);
  const exclusiveMin = num('exclusiveMinimum');
  const exclusiveMax = num('exclusiveMaximum');
  const low = num('minimum') ?? (exclusiveMin !== undefined ? exclusiveMin + step : undefined);
  const high = num('maximum') ?? (exclusiveMax !== undefined ? exclusiveMax - step : undefined);
  let value = low !== undefined && high !== undefined ? (low + high) / 2 : low ?? (high !== undefined ? Math.min(high, 1) : 1);
  if (integer) value = low !== undefined ? Math.max(Math.floor(value), Math.ceil(low)) : Math.floor(value);
  const multipleOf = num('multipleOf');
  if (multipleOf && multipleOf > 0) {
    const up = Math.ceil(value / multipleOf) * multipleOf;
    value = high !== undefined && up > high ? Math.floor(value / multipleOf) * multipleOf : up;
  }
  return value;
}

function firstType(type: unknown): string | undefined {
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return (type.find((t) => t !== 'null') ?? type[0]) as string | undefined;
  return undefined;
}

function example(schema: unknown, root: Schema, name: string, options: ExampleOptions, depth: number): unknown {
  if (schema === true || !isSchema(schema)) return null;
  if (depth > MAX_DEPTH) return null;
  if (typeof schema.$ref === 'string') return example({ ...resolveRef(root, schema.$ref), ...omit(schema, '$ref') }, root, name, options, depth + 1);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const branches = (Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined)?.filter(isSchema);
  if (branches && branches.length > 0) {
    const chosen = branches[Math.min(Math.max(options.chooseBranch?.(branches) ?? 0, 0), branches.length - 1)]!;
    return example({ ...omit(schema, 'anyOf', 'oneOf'), ...chosen }, root, name, options, depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    const merged = schema.allOf.filter(isSchema).reduce<Schema>((all, part) => mergeSchemas(all, part), omit(schema, 'allOf'));
    return example(merged, root, name, options, depth + 1);
  }
  const type = firstType(schema.type) ?? (isSchema(schema.properties) ? 'object' : schema.items !== undefined ? 'array' : 'string');
  switch (type) {
    case 'object': {
      const properties = isSchema(schema.properties) ? schema.properties : {};
      const value: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(properties)) value[key] = example(property, root, key, options, depth + 1);
      for (const key of Array.isArray(schema.required) ? schema.required : []) {
        if (typeof key === 'string' && !(key in value)) value[key] = exampleString({}, key, options);
      }
      return value;
    }
    case 'array': {
      const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
      const count = Math.max(1, typeof schema.minItems === 'number' ? schema.minItems : 0, prefix.length);
      const limit = typeof schema.maxItems === 'number' ? Math.min(count, schema.maxItems) : count;
      return Array.from({ length: limit }, (_, index) => example(prefix[index] ?? schema.items ?? {}, root, singular(name), options, depth + 1));
    }
    case 'integer': return exampleNumber(schema, true);
    case 'number': return exampleNumber(schema, false);
    case 'boolean': return true;
    case 'null': return null;
    default: return exampleString(schema, name, options);
  }
}

function singular(name: string): string {
  return name.endsWith('s') ? name.slice(0, -1) : name;
}

function omit(schema: Schema, ...keys: string[]): Schema {
  const copy = { ...schema };
  for (const key of keys) delete copy[key];
  return copy;
}

function mergeSchemas(a: Schema, b: Schema): Schema {
  const merged: Schema = { ...a, ...b };
  if (isSchema(a.properties) && isSchema(b.properties)) merged.properties = { ...a.properties, ...b.properties };
  if (Array.isArray(a.required) && Array.isArray(b.required)) merged.required = [...new Set([...a.required, ...b.required])];
  return merged;
}

/** A value satisfying `schema` (within the limits above), the same for the same schema and hint. */
export function exampleFromSchema(schema: Record<string, unknown>, options: ExampleOptions): unknown {
  return example(schema, schema, '', options, 0);
}
