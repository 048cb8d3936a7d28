/**
 * `GET /api/flows/:id/openapi.json`: a valid OpenAPI 3.1 document (checked by an OpenAPI
 * validator), whose input schema accepts exactly the inputs the invoke call accepts.
 */
import { Validator as JsonSchemaValidator } from '@cfworker/json-schema';
import { Validator as OpenApiValidator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flow } from '../../shared/testing/flow-builder.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

let test: TestServer;
const formFlow = flow('form-echo', 'Echo a form')
  .input('form', { text: 'string', count: 'number', urgent: 'boolean' })
  .output('result', { text: 'string', count: 'number' })
  .wire('form.text', 'result.text')
  .wire('form.count', 'result.count')
  .build();

beforeAll(async () => {
  test = await startTestServer();
  expect((await test.api.put('/api/flows/form-echo', formFlow)).status).toBe(201);
});
afterAll(() => test.close());

describe('GET /api/flows/:id/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document describing the invoke call', async () => {
    const response = await test.api.get('/api/flows/form-echo/openapi.json');
    expect(response.status).toBe(200);
    const validator = new OpenApiValidator();
    const result = await validator.validate(response.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    const operation = response.body.paths['/api/flows/form-echo/invoke'].post;
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '202', '400', '401', '403']));
    expect(operation.parameters.map((parameter: { name: string; in: string }) => `${parameter.in} ${parameter.name}`)).toEqual(['query wait', 'header Idempotency-Key', 'header traceparent']);
    expect(response.body.components.schemas.Outputs.properties).toEqual({ text: { type: 'string' }, count: { type: 'number' } });
    // A broken document is refused by the same validator, so the check above can fail.
    expect((await new OpenApiValidator().validate({ ...response.body, paths: { '/x': { post: { responses: 'none' } } } })).valid).toBe(false);
  });

  it('has an input schema that refuses exactly what the server refuses', async () => {
    const document = (await test.api.get('/api/flows/form-echo/openapi.json')).body;
    const schema = new JsonSchemaValidator({ ...document.components.schemas.Inputs, $schema: 'https://json-schema.org/draft/2020-12/schema' }, '2020-12');
    const candidates: Array<Record<string, unknown>> = [
      { text: 'a', count: 1, urgent: true },
      { text: 'a', count: 1.5, urgent: false },
      { text: 'a', count: '1', urgent: true },
      { text: 'a', count: 1 },
      { text: 1, count: 1, urgent: true },
      { text: 'a', count: 1, urgent: 'yes' },
      { text: 'a', count: 1, urgent: true, extra: 2 },
      {},
    ];
    for (const inputs of candidates) {
      const response = await test.api.post('/api/flows/form-echo/invoke?wait=0', { inputs });
      const schemaAccepts = schema.validate(inputs).valid;
      expect(response.status === 400 ? 'refused' : 'accepted', JSON.stringify(inputs)).toBe(schemaAccepts ? 'accepted' : 'refused');
    }
  });

  it('answers 404 for an unknown flow and 400 for a query', async () => {
    expect((await test.api.get('/api/flows/nothing/openapi.json')).status).toBe(404);
    expect((await test.api.get('/api/flows/form-echo/openapi.json?x=1')).status).toBe(400);
  });
});
