// Regenerates flows/flow.schema.json from the zod schemas: `npm run schema`.
import { writeFileSync } from 'node:fs';
import { flowJsonSchemaText } from '../shared/flow-json-schema.ts';

const target = new URL('../flows/flow.schema.json', import.meta.url);
writeFileSync(target, flowJsonSchemaText());
console.log(`wrote ${target.pathname}`);
