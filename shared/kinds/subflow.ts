import { z } from 'zod';
import { idSchema } from '../ids.ts';
import { defineKind, NO_FLOWS } from './define-kind.ts';

export const subflowConfigSchema = z
  .object({
    flow: idSchema.describe('The id of the flow this node runs as a child run'),
  })
  .strict();
export type SubflowConfig = z.infer<typeof subflowConfigSchema>;

export const subflowKind = defineKind({
  kind: 'subflow',
  title: 'Subflow',
  group: 'Flow',
  description: "Runs another flow as a child run: its inputs are the child's input fields, its outputs the child's result.",
  keywords: ['flow', 'call', 'reuse', 'child', 'sub-workflow'],
  colour: '#4d6bb3',
  configSchema: subflowConfigSchema,
  defaultConfig: (): SubflowConfig => ({ flow: 'ticket-triage' }),
  ports: (config, context = NO_FLOWS) => {
    return context.interfaceOf(config.flow) ?? { inputs: [], outputs: [] };
  },
  calls: (config) => [config.flow],
  summary: (config) => [`runs ${config.flow}`],
  editors: { flow: 'flow' },
});
