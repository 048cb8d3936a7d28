import { z } from 'zod';
import { fieldSchema, portFromField } from '../ports.ts';
import { defineKind } from './define-kind.ts';

export const inputConfigSchema = z
  .object({
    fields: z.array(fieldSchema).describe('Run inputs; each becomes an output port'),
  })
  .strict();
export type InputConfig = z.infer<typeof inputConfigSchema>;

export const inputKind = defineKind({
  kind: 'input',
  title: 'Input',
  group: 'Flow',
  description: 'Where a run starts: the values a person or a script supplies, checked against these fields.',
  colour: '#2f9e6e',
  configSchema: inputConfigSchema,
  defaultConfig: (): InputConfig => ({ fields: [{ name: 'text', type: 'string' }] }),
  ports: (config) => ({ inputs: [], outputs: config.fields.map((field) => portFromField(field)) }),
  summary: (config) => (config.fields.length > 0 ? [config.fields.map((field) => field.name).join(', ')] : []),
  takesRunInputs: true,
});
