/**
 * Walks a kind's zod 4 config schema into a description of form controls, so the inspector's
 * forms come from the one definition of each kind instead of being written by hand.
 */
import type { z } from 'zod';

interface Common {
  key: string;
  label: string;
  description?: string;
  optional: boolean;
}

export type FormField =
  | (Common & { control: 'text'; minLength?: number })
  | (Common & { control: 'number'; integer: boolean; min?: number; max?: number })
  | (Common & { control: 'checkbox' })
  | (Common & { control: 'select'; options: string[] })
  /** An array of `{name, type, ...}` field objects: edited as a list of ports. */
  | (Common & { control: 'ports'; types: string[] })
  /** Free JSON (a JSON Schema, a record): a JSON textarea. */
  | (Common & { control: 'json' })
  /** A union of objects told apart by one literal key, e.g. a model's `output`. */
  | (Common & { control: 'variant'; discriminator: string; variants: Array<{ value: string; fields: FormField[] }> })
  | (Common & { control: 'object'; fields: FormField[] });

type AnySchema = z.ZodType & { _zod: { def: { type: string } & Record<string, unknown> } };

function def(schema: AnySchema): { type: string } & Record<string, unknown> {
  return schema._zod.def;
}

/** `maxTokens` -> `Max tokens`. */
export function humanize(key: string): string {
  const words = key.replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Removes optional/default/nullable wrappers, collecting the description and optionality. */
function unwrap(schema: AnySchema): { inner: AnySchema; optional: boolean; description?: string } {
  let current = schema;
  let optional = false;
  let description = current.description;
  for (;;) {
    const type = def(current).type;
    if (type !== 'optional' && type !== 'default' && type !== 'nullable' && type !== 'prefault') break;
    if (type === 'optional' || type === 'default' || type === 'prefault') optional = true;
    current = def(current).innerType as AnySchema;
    description ??= current.description;
  }
  return description === undefined ? { inner: current, optional } : { inner: current, optional, description };
}

function literalValue(schema: AnySchema): string | undefined {
  const { inner } = unwrap(schema);
  if (def(inner).type !== 'literal') return undefined;
  const values = def(inner).values as unknown[];
  return typeof values[0] === 'string' ? values[0] : undefined;
}

function objectShape(schema: AnySchema): Record<string, AnySchema> | undefined {
  return def(schema).type === 'object' ? (def(schema).shape as Record<string, AnySchema>) : undefined;
}

function isPortField(element: AnySchema): string[] | undefined {
  const shape = objectShape(unwrap(element).inner);
  if (!shape || !shape.name || !shape.type) return undefined;
  const type = unwrap(shape.type).inner;
  if (def(type).type !== 'enum') return undefined;
  return Object.values(def(type).entries as Record<string, string>);
}

export function describeField(key: string, schema: AnySchema): FormField {
  const { inner, optional, description } = unwrap(schema);
  const common: Common = { key, label: humanize(key), optional, ...(description !== undefined ? { description } : {}) };
  const d = def(inner);
  switch (d.type) {
    case 'string': {
      const minLength = (inner as unknown as z.ZodString).minLength;
      return { ...common, control: 'text', ...(typeof minLength === 'number' ? { minLength } : {}) };
    }
    case 'number': {
      const number = inner as unknown as z.ZodNumber;
      const field: FormField = { ...common, control: 'number', integer: Boolean(number.isInt) };
      if (typeof number.minValue === 'number' && Number.isFinite(number.minValue) && Math.abs(number.minValue) < Number.MAX_SAFE_INTEGER) field.min = number.minValue;
      if (typeof number.maxValue === 'number' && Number.isFinite(number.maxValue) && Math.abs(number.maxValue) < Number.MAX_SAFE_INTEGER) field.max = number.maxValue;
      return field;
    }
    case 'boolean':
      return { ...common, control: 'checkbox' };
    case 'enum':
      return { ...common, control: 'select', options: Object.values(d.entries as Record<string, string>) };
    case 'array': {
      const types = isPortField(d.element as AnySchema);
      return types ? { ...common, control: 'ports', types } : { ...common, control: 'json' };
    }
    case 'union': {
      const discriminator = d.discriminator as string | undefined;
      const options = d.options as AnySchema[];
      if (discriminator && options.every((option) => objectShape(option)?.[discriminator])) {
        const variants = options.map((option) => {
          const shape = objectShape(option)!;
          return {
            value: literalValue(shape[discriminator]!) ?? '',
            fields: Object.entries(shape).filter(([name]) => name !== discriminator).map(([name, field]) => describeField(name, field)),
          };
        });
        return { ...common, control: 'variant', discriminator, variants };
      }
      return { ...common, control: 'json' };
    }
    case 'object':
      return { ...common, control: 'object', fields: describeSchema(inner) };
    default:
      return { ...common, control: 'json' };
  }
}

/** The form fields of an object schema, in the schema's key order. */
export function describeSchema(schema: z.ZodType): FormField[] {
  const shape = objectShape(unwrap(schema as AnySchema).inner);
  if (!shape) return [];
  return Object.entries(shape).map(([key, field]) => describeField(key, field));
}

/** Sets or (for `undefined`) removes a key, returning a new object. */
export function setKey(object: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const next = { ...object };
  if (value === undefined) delete next[key];
  else next[key] = value;
  return next;
}

/** The value a control starts from when a person switches a variant (e.g. output type json). */
export function emptyValueFor(field: FormField): unknown {
  switch (field.control) {
    case 'text':
      return '';
    case 'number':
      return field.min ?? 0;
    case 'checkbox':
      return false;
    case 'select':
      return field.options[0];
    case 'ports':
      return [];
    case 'json':
      return { type: 'object', properties: {} };
    case 'variant':
      return { [field.discriminator]: field.variants[0]?.value };
    case 'object':
      return Object.fromEntries(field.fields.filter((inner) => !inner.optional).map((inner) => [inner.key, emptyValueFor(inner)]));
  }
}

/** A variant's value with the required fields it needs. */
export function variantValue(field: Extract<FormField, { control: 'variant' }>, value: string): Record<string, unknown> {
  const variant = field.variants.find((candidate) => candidate.value === value);
  const result: Record<string, unknown> = { [field.discriminator]: value };
  for (const inner of variant?.fields ?? []) if (!inner.optional) result[inner.key] = emptyValueFor(inner);
  return result;
}
