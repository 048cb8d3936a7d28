import { z } from 'zod';
import { fieldSchema, portFromField } from '../ports.ts';
import { defineKind } from './define-kind.ts';

export const outputConfigSchema = z
  .object({
    fields: z.array(fieldSchema).describe("The run's result; each field is an input port"),
  })
  .strict();
export type OutputConfig = z.infer<typeof outputConfigSchema>;

export const outputKind = defineKind({
  kind: 'output',
  title: 'Output',
  group: 'Flow',
  description: "The run's result: the fields that arrive here (a branch not taken leaves its field out).",
  colour: '#3b7dd8',
  configSchema: outputConfigSchema,
  defaultConfig: (): OutputConfig => ({ fields: [{ name: 'result', type: 'any' }] }),
  ports: (config) => ({ inputs: config.fields.map((field) => portFromField(field)), outputs: [] }),
  summary: (config) => (config.fields.length > 0 ? [config.fields.map((field) => field.name).join(', ')] : []),
  acceptsPartialInputs: true,
  givesRunOutputs: true,
  givesRunResult: true,
});
