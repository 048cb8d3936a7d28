/**
 * The JSON Schema of the flow file, generated from the zod schemas (never written by hand), with
 * each kind's config schema attached to its `kind`, so editors complete and check flow files.
 * `flows/flow.schema.json` holds its output; a test fails when that file is out of date.
 */
import { z } from 'zod';
import { flowSchema, nodeSchema } from './flow.ts';
import { KINDS } from './kinds/registry.ts';

function nodeOfKind(definition: (typeof KINDS)[number]) {
  return nodeSchema.extend({ kind: z.literal(definition.kind), config: definition.configSchema as z.ZodType }).describe(`${definition.title}: ${definition.description}`);
}

export function flowJsonSchema(): Record<string, unknown> {
  const [first, second, ...rest] = KINDS.map(nodeOfKind);
  const documentSchema = flowSchema.extend({ nodes: z.array(z.union([first!, second!, ...rest])) });
  const generated = z.toJSONSchema(documentSchema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  return {
    $schema: generated.$schema,
    title: 'Weft flow (schemaVersion 1)',
    ...Object.fromEntries(Object.entries(generated).filter(([key]) => key !== '$schema')),
  };
}

export function flowJsonSchemaText(): string {
  return `${JSON.stringify(flowJsonSchema(), null, 2)}\n`;
}
