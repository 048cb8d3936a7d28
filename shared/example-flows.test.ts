import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serializeFlow } from './canonical.ts';
import { flowSchema, type Flow } from './flow.ts';
import { validateFlowText as validateAlone } from './validate.ts';

const flowsDir = fileURLToPath(new URL('../flows/', import.meta.url));
const files = readdirSync(flowsDir).filter((name) => name.endsWith('.flow.json')).sort();
/** Flows call flows of the same directory (subflow, map). */
const library = new Map<string, Flow>(files.map((file) => {
  const flow = flowSchema.parse(JSON.parse(readFileSync(`${flowsDir}${file}`, 'utf8')));
  return [flow.id, flow];
}));
const validateFlowText = (text: string) => validateAlone(text, { flows: (id) => library.get(id) });

describe('the example flows in flows/', () => {
  it('are there', () => {
    expect(files).toEqual(expect.arrayContaining(['invoice-approval.flow.json', 'model-cascade.flow.json', 'ticket-triage.flow.json', 'classify-ticket.flow.json', 'triage-batch.flow.json']));
  });

  describe.each(files)('%s', (file) => {
    const text = readFileSync(`${flowsDir}${file}`, 'utf8');

    it('is valid', () => {
      const result = validateFlowText(text);
      expect(result.problems).toEqual([]);
      expect(result.ok).toBe(true);
    });

    it('is in canonical form: serialising the parsed flow gives the file byte for byte', () => {
      const result = validateFlowText(text);
      expect(serializeFlow(result.flow!)).toBe(text);
    });

    it('is named after its id', () => {
      expect(file).toBe(`${validateFlowText(text).flow!.id}.flow.json`);
    });
  });
});
