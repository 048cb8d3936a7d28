import { z } from 'zod';
import { fieldSchema, portFromField } from '../ports.ts';
import { defineKind } from './define-kind.ts';

export const DEFAULT_CODE_TIMEOUT_MS = 5_000;

export const codeConfigSchema = z
  .object({
    language: z.enum(['javascript', 'typescript']),
    source: z.string().describe('A module whose default export maps an inputs object to an outputs object'),
    inputs: z.array(fieldSchema),
    outputs: z.array(fieldSchema).describe('Outputs the function does not return do not fire'),
    timeoutMs: z.number().int().min(10).max(60_000).optional().describe(`Wall-clock limit (default ${DEFAULT_CODE_TIMEOUT_MS} ms)`),
  })
  .strict();
export type CodeConfig = z.infer<typeof codeConfigSchema>;

export const codeKind = defineKind({
  kind: 'code',
  title: 'Code',
  group: 'Logic',
  description: 'A JavaScript or TypeScript function from inputs to outputs, run in a sandbox with no access to the host.',
  colour: '#c0841a',
  configSchema: codeConfigSchema,
  defaultConfig: (): CodeConfig => ({
    language: 'typescript',
    source: 'export default function (inputs: { value: string }) {\n  return { result: inputs.value };\n}\n',
    inputs: [{ name: 'value', type: 'string' }],
    outputs: [{ name: 'result', type: 'string' }],
  }),
  ports: (config) => ({
    inputs: config.inputs.map((field) => portFromField(field)),
    outputs: config.outputs.map((field) => portFromField(field)),
  }),
  summary: (config) => {
    const line = firstMeaningfulLine(config.source);
    return line === undefined ? [config.language] : [line];
  },
  editors: { source: 'code' },
  editorSupport: { codeLanguage: (config) => config.language },
});

/** The first line that is not blank, a comment or an import: what the code does, at a glance. */
export function firstMeaningfulLine(source: string): string | undefined {
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('//') || line.startsWith('/*') || line.startsWith('*') || line.startsWith('import ')) continue;
    return line.length > 60 ? `${line.slice(0, 59)}…` : line;
  }
  return undefined;
}
