import { z } from 'zod';
import { jsonSchemaSchema } from '../json-schema.ts';
import { fieldSchema, portFromField, type PortSpec } from '../ports.ts';
import { defineKind } from './define-kind.ts';
import { presentModelText } from './streamed-model-text.ts';

export const DEFAULT_MAX_TOKENS = 1024;

export const modelOutputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('string') }).strict(),
  z.object({ type: z.literal('json'), schema: jsonSchemaSchema }).strict(),
]);
export type ModelOutput = z.infer<typeof modelOutputSchema>;

export const modelConfigSchema = z
  .object({
    model: z.string().min(1).describe('Model name; the provider serving it is server configuration'),
    system: z.string().optional().describe('System message template over the inputs ({{name}})'),
    prompt: z.string().min(1).describe('User message template over the inputs ({{name}})'),
    inputs: z.array(fieldSchema).describe('Input ports the templates may use'),
    output: modelOutputSchema.optional().describe('Reply type: plain text (default) or JSON checked against a schema'),
    allowUnsure: z.boolean().optional().describe('Let the model answer "unsure" with a reason; fires the unsure port'),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().min(1).max(1_000_000).optional().describe(`Reply token cap (default ${DEFAULT_MAX_TOKENS}); used for the budget's worst case`),
    maxInputTokens: z.number().int().min(1).max(10_000_000).optional().describe("Prompt token limit, counted with the model's tokenizer before sending"),
    onContextOverflow: z.enum(['fail', 'truncate']).optional().describe('Over maxInputTokens: fail before sending (default), or shorten truncateInput'),
    truncateInput: z.string().min(1).optional().describe('The input shortened (at a token boundary, with a marker) when onContextOverflow is "truncate"'),
    timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
    retries: z.number().int().min(0).max(10).optional().describe('Retries of 408/409/429/5xx and connection errors (default 2)'),
  })
  .strict()
  .superRefine((config, context) => {
    const overflow = config.onContextOverflow;
    if ((overflow !== undefined || config.truncateInput !== undefined) && config.maxInputTokens === undefined) {
      context.addIssue({ code: 'custom', path: [overflow !== undefined ? 'onContextOverflow' : 'truncateInput'], message: 'needs maxInputTokens: the prompt token limit it applies to' });
    }
    if (overflow === 'truncate' && config.truncateInput === undefined) {
      context.addIssue({ code: 'custom', path: ['truncateInput'], message: 'onContextOverflow "truncate" needs truncateInput: the name of the string input to shorten' });
    }
    if (config.truncateInput !== undefined) {
      const field = config.inputs.find((input) => input.name === config.truncateInput);
      if (!field) context.addIssue({ code: 'custom', path: ['truncateInput'], message: `"${config.truncateInput}" is not one of this step's inputs (${config.inputs.map((input) => input.name).join(', ') || 'none'})` });
      else if (field.type !== 'string' && field.type !== 'any') context.addIssue({ code: 'custom', path: ['truncateInput'], message: `input "${field.name}" is ${field.type}; only text (a string input) can be truncated` });
      if (overflow !== 'truncate') context.addIssue({ code: 'custom', path: ['truncateInput'], message: 'truncateInput is used only with onContextOverflow "truncate"' });
    }
  });
export type ModelConfig = z.infer<typeof modelConfigSchema>;

export function modelResultPort(config: ModelConfig): PortSpec {
  const output = config.output ?? { type: 'string' };
  return output.type === 'json'
    ? { name: 'result', type: 'json', schema: output.schema, required: false }
    : { name: 'result', type: 'string', required: false };
}

export const modelKind = defineKind({
  kind: 'model',
  title: 'Model',
  group: 'AI',
  keywords: ['llm', 'gpt', 'chat', 'openai', 'ai', 'prompt', 'completion'],
  description: 'Calls a language model with a prompt over its inputs; text or schema-checked JSON, with an optional explicit "unsure".',
  colour: '#8a5cd0',
  configSchema: modelConfigSchema,
  defaultConfig: (): ModelConfig => ({
    model: 'gpt-4o-mini',
    prompt: 'Summarise: {{text}}',
    inputs: [{ name: 'text', type: 'string' }],
  }),
  ports: (config) => ({
    inputs: config.inputs.map((field) => portFromField(field)),
    outputs: [
      modelResultPort(config),
      ...(config.allowUnsure ? [{ name: 'unsure', type: 'string' as const, required: false, description: 'Why the model is unsure' }] : []),
    ],
  }),
  summary: (config) => {
    const prompt = config.prompt.replace(/\s+/g, ' ').trim();
    return [config.model, prompt.length > 60 ? `${prompt.slice(0, 59)}…` : prompt];
  },
  streamsText: { present: presentModelText },
  editors: { prompt: 'prompt', system: 'prompt', model: 'model' },
  editorSupport: { addInput: (config, name) => ({ ...config, inputs: [...config.inputs, { name, type: 'string' as const }] }) },
  templates: (config) => [
    { key: 'prompt', text: config.prompt },
    ...(config.system !== undefined ? [{ key: 'system', text: config.system }] : []),
  ],
});
