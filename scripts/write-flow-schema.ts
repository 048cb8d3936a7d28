// Regenerates flows/flow.schema.json and flows/cases.schema.json from the zod schemas: `npm run schema`.
import { writeFileSync } from 'node:fs';
import { casesJsonSchemaText } from '../shared/cases-json-schema.ts';
import { flowJsonSchemaText } from '../shared/flow-json-schema.ts';

for (const [name, text] of [['flow.schema.json', flowJsonSchemaText()], ['cases.schema.json', casesJsonSchemaText()]] as const) {
  const target = new URL(`../flows/${name}`, import.meta.url);
  writeFileSync(target, text);
  console.log(`wrote ${target.pathname}`);
}
