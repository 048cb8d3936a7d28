/**
 * The OpenAPI 3.1 document of one flow's invoke call (`GET /api/flows/:id/openapi.json`): its
 * input fields as the request's schema (strict, so it refuses what the server refuses: a missing
 * field, a wrong type, a field the flow does not have) and its output fields as the answer's.
 * Pure: the designer's API panel and the server build the same document.
 */
import type { Flow } from './flow.ts';
import type { JsonSchema } from './json-schema.ts';
import { registry } from './kinds/registry.ts';
import type { PortSpec } from './ports.ts';
import { runInputFields } from './run-inputs.ts';
import { DEFAULT_INVOKE_WAIT_SECONDS, MAX_INVOKE_WAIT_SECONDS } from './wire/rest-requests.ts';

/** The run's output fields: the input ports of the nodes whose kind gives the run's outputs. */
export function runOutputFields(flow: Flow): PortSpec[] {
  return flow.nodes.flatMap((node) => {
    const kind = registry.get(node.kind);
    if (!kind?.givesRunOutputs) return [];
    const config = kind.configSchema.safeParse(node.config);
    return config.success ? kind.ports(config.data).inputs : [];
  });
}

function portSchema(port: PortSpec): JsonSchema {
  const base: JsonSchema = port.type === 'json' ? { ...(port.schema ?? {}) } : port.type === 'any' ? {} : { type: port.type };
  return port.description ? { ...base, description: port.description } : base;
}

/** JSON Schema of the run's inputs, as the server checks them (shared/run-inputs.ts). */
export function inputsJsonSchema(flow: Flow): JsonSchema {
  const fields = runInputFields(flow);
  return { type: 'object', properties: Object.fromEntries(fields.map((field) => [field.name, portSchema(field)])), required: fields.map((field) => field.name), additionalProperties: false };
}

/** JSON Schema of the run's outputs; every field is optional (a branch not taken leaves its field out). */
export function outputsJsonSchema(flow: Flow): JsonSchema {
  const fields = runOutputFields(flow);
  return { type: 'object', properties: Object.fromEntries(fields.map((field) => [field.name, portSchema(field)])) };
}

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

export function flowOpenApi(flow: Flow, version: string): JsonSchema {
  const status = { type: 'string', enum: ['running', 'waiting', 'succeeded', 'failed', 'cancelled'] };
  return {
    openapi: '3.1.0',
    info: { title: `${flow.name} (Weft flow "${flow.id}")`, version, ...(flow.description ? { description: flow.description } : {}) },
    paths: {
      [`/api/flows/${flow.id}/invoke`]: {
        post: {
          operationId: `invoke_${flow.id.replaceAll('-', '_')}`,
          summary: `Run "${flow.name}" and wait for its outputs`,
          parameters: [
            { name: 'wait', in: 'query', required: false, description: `Seconds to wait for the run to end before answering 202 (default ${DEFAULT_INVOKE_WAIT_SECONDS}).`, schema: { type: 'integer', minimum: 0, maximum: MAX_INVOKE_WAIT_SECONDS } },
            { name: 'Idempotency-Key', in: 'header', required: false, description: 'A retried call with the same key returns the same run (kept at least 24 hours).', schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' } },
            { name: 'traceparent', in: 'header', required: false, description: "The caller's W3C trace context: the run's trace joins it (a malformed one is ignored).", schema: { type: 'string', pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/InvokeRequest' } } } },
          responses: {
            '200': { description: 'The run ended: its status, outputs and cost.', content: { 'application/json': { schema: { $ref: '#/components/schemas/InvokeResult' } } } },
            '202': { description: 'The run is still running or waits for a person; read it at `url`.', content: { 'application/json': { schema: { $ref: '#/components/schemas/InvokePending' } } } },
            '400': errorResponse('The inputs or the request do not fit; `issues` name the field.'),
            '401': errorResponse('A missing, unknown or revoked API key.'),
            '403': errorResponse('The API key may not invoke this flow.'),
            '404': errorResponse('There is no such flow.'),
            '422': errorResponse('The Idempotency-Key was used with other inputs.'),
          },
        },
      },
    },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (`npx weft keys create`).' } },
      schemas: {
        Inputs: inputsJsonSchema(flow),
        Outputs: outputsJsonSchema(flow),
        InvokeRequest: { type: 'object', properties: { inputs: { $ref: '#/components/schemas/Inputs' } }, required: ['inputs'], additionalProperties: false },
        InvokeResult: {
          type: 'object',
          properties: { runId: { type: 'string' }, status, outputs: { $ref: '#/components/schemas/Outputs' }, costUsd: { type: 'number' }, error: { type: 'object', properties: { message: { type: 'string' }, code: { type: 'string' } } } },
          required: ['runId', 'status', 'outputs', 'costUsd'],
        },
        InvokePending: { type: 'object', properties: { runId: { type: 'string' }, status, url: { type: 'string' } }, required: ['runId', 'status', 'url'] },
        Error: { type: 'object', properties: { error: { type: 'object', properties: { message: { type: 'string' }, issues: { type: 'array', items: { type: 'object' } } }, required: ['message'] } }, required: ['error'] },
      },
    },
    security: [{ apiKey: [] }],
  };
}
