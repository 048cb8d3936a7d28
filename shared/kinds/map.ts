import { z } from 'zod';
import { idSchema } from '../ids.ts';
import { portNameSchema, type PortSpec } from '../ports.ts';
import { defineKind, NO_FLOWS } from './define-kind.ts';

/** Child runs at once, at most: each holds a share of the run's budget and of the model provider. */
export const MAX_MAP_CONCURRENCY = 32;
/** Items in one map, at most (each is a child run with its own log). */
export const MAX_MAP_ITEMS = 10_000;
export const DEFAULT_MAP_CONCURRENCY = 4;

export const mapConfigSchema = z
  .object({
    flow: idSchema.describe('The flow run once per item, as a child run'),
    itemInput: portNameSchema.describe("The child's input field each item goes to"),
    concurrency: z.number().int().min(1).max(MAX_MAP_CONCURRENCY).optional().describe(`Child runs at once (default ${DEFAULT_MAP_CONCURRENCY})`),
    onItemFailure: z.enum(['fail', 'continue']).optional().describe('fail: the first failed item fails the step; continue: failures are collected on "failures"'),
  })
  .strict();
export type MapConfig = z.infer<typeof mapConfigSchema>;

/** One failed item, as the `failures` port carries it. */
export const itemFailureSchema = z.object({ index: z.number().int().min(0), error: z.string() }).strict();
export type ItemFailure = z.infer<typeof itemFailureSchema>;

export const mapKind = defineKind({
  kind: 'map',
  title: 'Map over a list',
  group: 'Flow',
  description: 'Runs a flow once per item of a list, a few at a time; gives the results in item order.',
  keywords: ['each', 'loop', 'iterate', 'list', 'batch', 'items'],
  colour: '#2b7a8c',
  configSchema: mapConfigSchema,
  defaultConfig: (): MapConfig => ({ flow: 'ticket-triage', itemInput: 'text', concurrency: DEFAULT_MAP_CONCURRENCY, onItemFailure: 'fail' }),
  ports: (config, context = NO_FLOWS) => {
    const shared = (context.interfaceOf(config.flow)?.inputs ?? []).filter((port) => port.name !== config.itemInput);
    const inputs: PortSpec[] = [
      { name: 'items', type: 'json', schema: { type: 'array', maxItems: MAX_MAP_ITEMS }, required: true, description: `A list; each item goes to ${config.flow}.${config.itemInput}` },
      ...shared.map((port) => ({ ...port, description: `Given to every item's run${port.description ? `: ${port.description}` : ''}` })),
    ];
    const outputs: PortSpec[] = [{ name: 'results', type: 'json', schema: { type: 'array' }, required: false, description: "Each item's result, in item order" }];
    if (config.onItemFailure === 'continue') {
      outputs.push({ name: 'failures', type: 'json', schema: { type: 'array', items: { type: 'object', required: ['index', 'error'] } }, required: false, description: 'The items that failed: [{index, error}]' });
    }
    return { inputs, outputs };
  },
  check: (config, context) => {
    const child = context.interfaceOf(config.flow);
    if (!child) return [];
    const names = child.inputs.map((port) => port.name);
    if (names.includes(config.itemInput)) return [];
    return [{ path: ['itemInput'], message: `flow "${config.flow}" has no input "${config.itemInput}" (its inputs: ${names.join(', ') || 'none'})` }];
  },
  calls: (config) => [config.flow],
  editors: { flow: 'flow', itemInput: 'child-input' },
  summary: (config) => [`each item → ${config.flow}.${config.itemInput}`, `${config.concurrency ?? DEFAULT_MAP_CONCURRENCY} at a time${config.onItemFailure === 'continue' ? ', failures collected' : ''}`],
});
