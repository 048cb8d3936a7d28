import { readFileSync } from 'node:fs';
import { Validator } from '@cfworker/json-schema';
import { describe, expect, it } from 'vitest';
import { flowJsonSchema, flowJsonSchemaText } from './flow-json-schema.ts';

const committed = readFileSync(new URL('../flows/flow.schema.json', import.meta.url), 'utf8');

describe('flows/flow.schema.json', () => {
  it('is what the zod schemas generate (run `npm run schema` after changing them)', () => {
    expect(committed).toBe(flowJsonSchemaText());
  });

  it('accepts every example flow and refuses an unknown config key', () => {
    const validator = new Validator(flowJsonSchema() as never, '7');
    for (const name of ['ticket-triage', 'invoice-approval', 'model-cascade']) {
      const flow = JSON.parse(readFileSync(new URL(`../flows/${name}.flow.json`, import.meta.url), 'utf8'));
      expect(validator.validate(flow).valid, name).toBe(true);
      flow.nodes[0].config.apiKey = 'sk-pasted-by-mistake';
      expect(validator.validate(flow).valid, `${name} with apiKey`).toBe(false);
    }
  });
});
