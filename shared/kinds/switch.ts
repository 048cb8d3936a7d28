import { z } from 'zod';
import { conditionSchema, conditionText, type Condition } from '../conditions.ts';
import { portNameSchema, type PortSpec } from '../ports.ts';
import { defineKind } from './define-kind.ts';

/** More cases than this is a lookup table: use a code node. */
export const MAX_SWITCH_CASES = 64;

const CAPTION_LENGTH = 48;

export const switchCaseSchema = z
  .object({
    port: portNameSchema.describe('The output port this case fires'),
    when: conditionSchema,
  })
  .strict();

export const switchConfigSchema = z
  .object({
    cases: z.array(switchCaseSchema).min(1).max(MAX_SWITCH_CASES).describe('Checked in order; the first that holds fires its port'),
    otherwise: portNameSchema.optional().describe('The port that fires when no case holds (none fires without it)'),
  })
  .strict();
export type SwitchConfig = z.infer<typeof switchConfigSchema>;
export type SwitchCase = z.infer<typeof switchCaseSchema>;

function caption(condition: Condition): string {
  const text = conditionText(condition);
  return text.length > CAPTION_LENGTH ? `${text.slice(0, CAPTION_LENGTH - 1)}…` : text;
}

export const switchKind = defineKind({
  kind: 'switch',
  title: 'Switch',
  group: 'Logic',
  description: 'Routes a value to the first case whose condition holds; every other port skips what it feeds. Conditions are data, not code.',
  keywords: ['if', 'branch', 'route', 'condition', 'case'],
  colour: '#5b8c2a',
  configSchema: switchConfigSchema,
  defaultConfig: (): SwitchConfig => ({
    cases: [{ port: 'urgent', when: { path: 'priority', op: 'eq', value: 'high' } }],
    otherwise: 'normal',
  }),
  ports: (config) => {
    const outputs: PortSpec[] = config.cases.map((entry) => {
      const words = conditionText(entry.when);
      return { name: entry.port, type: 'any', required: false, description: `when ${words}`, caption: caption(entry.when) };
    });
    if (config.otherwise !== undefined) outputs.push({ name: config.otherwise, type: 'any', required: false, description: 'when no case holds', caption: 'otherwise' });
    return { inputs: [{ name: 'value', type: 'any', required: true, description: 'What the cases look at, and what the chosen port carries' }], outputs };
  },
  summary: (config) => [`first of ${config.cases.length} ${config.cases.length === 1 ? 'case' : 'cases'}${config.otherwise !== undefined ? `, else ${config.otherwise}` : ''}`],
  editors: { cases: 'cases' },
});
