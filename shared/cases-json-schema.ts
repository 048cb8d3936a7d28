/**
 * The JSON Schema of one line of a cases file (`flows/<id>.cases.jsonl`), generated from the zod
 * schema in shared/cases.ts, with the matchers described for editors. `flows/cases.schema.json`
 * holds its output; a test fails when that file is out of date.
 */
import { z } from 'zod';
import { matcherSchema } from './case-matchers.ts';
import { caseExpectationSchema, evaluationCaseSchema } from './cases.ts';

export function casesJsonSchema(): Record<string, unknown> {
  const expectation = caseExpectationSchema.extend({
    outputs: z
      .record(z.string(), z.union([matcherSchema, z.unknown()]))
      .optional()
      .describe('Per run output field: a literal (deep equality) or a matcher such as {"$contains": "text"}'),
  });
  const generated = z.toJSONSchema(evaluationCaseSchema.extend({ expect: expectation }), { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  return {
    $schema: generated.$schema,
    title: 'Weft evaluation case (one line of <flow id>.cases.jsonl)',
    ...Object.fromEntries(Object.entries(generated).filter(([key]) => key !== '$schema')),
  };
}

export function casesJsonSchemaText(): string {
  return `${JSON.stringify(casesJsonSchema(), null, 2)}\n`;
}
