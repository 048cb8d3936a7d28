/** Ready-to-paste calls of a flow's invoke endpoint, with example inputs from its input fields. */
import type { Flow } from '../../../shared/flow.ts';
import type { PortType } from '../../../shared/ports.ts';
import { runInputFields } from '../../../shared/run-inputs.ts';

const EXAMPLES: Record<PortType, unknown> = { string: 'text', number: 1, boolean: true, json: {}, any: 'value' };

export function exampleInputs(flow: Flow): Record<string, unknown> {
  return Object.fromEntries(runInputFields(flow).map((field) => [field.name, EXAMPLES[field.type]]));
}

export function curlExample(flow: Flow, origin: string): string {
  const body = JSON.stringify({ inputs: exampleInputs(flow) });
  return [`curl -X POST '${origin}/api/flows/${flow.id}/invoke?wait=30' \\`, `  -H "Authorization: Bearer $WEFT_KEY" \\`, `  -H 'Content-Type: application/json' \\`, `  -H 'Idempotency-Key: ticket-4711' \\`, `  -d '${body.replaceAll("'", "'\\''")}'`].join('\n');
}

export function fetchExample(flow: Flow, origin: string): string {
  return [
    `const response = await fetch('${origin}/api/flows/${flow.id}/invoke?wait=30', {`,
    `  method: 'POST',`,
    `  headers: { Authorization: \`Bearer \${process.env.WEFT_KEY}\`, 'Content-Type': 'application/json' },`,
    `  body: JSON.stringify({ inputs: ${JSON.stringify(exampleInputs(flow))} }),`,
    `});`,
    `// 200: { runId, status, outputs, costUsd }; 202: { runId, status, url } (still running or waiting for a person)`,
    `const answer = await response.json();`,
  ].join('\n');
}
