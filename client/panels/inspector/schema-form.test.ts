import { describe, expect, it } from 'vitest';
import { approvalConfigSchema } from '../../../shared/kinds/approval.ts';
import { codeConfigSchema } from '../../../shared/kinds/code.ts';
import { modelConfigSchema } from '../../../shared/kinds/model.ts';
import { describeSchema, humanize, setKey, variantValue, type FormField } from './schema-form.ts';

function byKey(fields: FormField[], key: string): FormField {
  const field = fields.find((candidate) => candidate.key === key);
  if (!field) throw new Error(`no field ${key}`);
  return field;
}

describe('zod schema -> form', () => {
  const model = describeSchema(modelConfigSchema);

  it('walks every key of the model config in order', () => {
    expect(model.map((field) => field.key)).toEqual(['model', 'system', 'prompt', 'inputs', 'output', 'allowUnsure', 'temperature', 'maxTokens', 'maxInputTokens', 'onContextOverflow', 'truncateInput', 'timeoutMs', 'retries']);
  });

  it('maps strings, numbers with bounds, booleans and optional fields', () => {
    expect(byKey(model, 'model')).toMatchObject({ control: 'text', optional: false, minLength: 1 });
    expect(byKey(model, 'system')).toMatchObject({ control: 'text', optional: true });
    expect(byKey(model, 'temperature')).toMatchObject({ control: 'number', integer: false, min: 0, max: 2, optional: true });
    expect(byKey(model, 'maxTokens')).toMatchObject({ control: 'number', integer: true, min: 1, description: expect.stringContaining('Reply token cap') });
    expect(byKey(model, 'allowUnsure')).toMatchObject({ control: 'checkbox', optional: true, label: 'Allow unsure' });
    expect(byKey(model, 'maxInputTokens')).toMatchObject({ control: 'number', integer: true, min: 1, optional: true });
  });

  it('maps arrays of field objects to port lists and JSON Schema fields to JSON', () => {
    expect(byKey(model, 'inputs')).toMatchObject({ control: 'ports', types: ['string', 'number', 'boolean', 'json', 'any'] });
    const output = byKey(model, 'output');
    expect(output).toMatchObject({ control: 'variant', discriminator: 'type', optional: true });
    if (output.control !== 'variant') throw new Error('variant expected');
    expect(output.variants.map((variant) => variant.value)).toEqual(['string', 'json']);
    expect(output.variants[1]!.fields).toMatchObject([{ key: 'schema', control: 'json' }]);
    expect(variantValue(output, 'json')).toEqual({ type: 'json', schema: { type: 'object', properties: {} } });
  });

  it('maps enums to selects', () => {
    expect(byKey(describeSchema(codeConfigSchema), 'language')).toMatchObject({ control: 'select', options: ['javascript', 'typescript'] });
    expect(byKey(describeSchema(approvalConfigSchema), 'onTimeout')).toMatchObject({ control: 'select', options: ['approve', 'reject'], optional: true });
  });

  it('labels keys for people and removes cleared optional keys', () => {
    expect(humanize('timeoutMs')).toBe('Timeout ms');
    expect(humanize('auto_approved')).toBe('Auto approved');
    expect(setKey({ a: 1, b: 2 }, 'a', undefined)).toEqual({ b: 2 });
  });
});
