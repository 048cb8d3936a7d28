/**
 * Traces through the real server to a local OTLP receiver (an HTTP server that decodes
 * http/json): a run span, a child span per step attempt with the GenAI attributes, a wait span,
 * and costs equal to the run's. Without an endpoint nothing is loaded.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flow } from '../../shared/testing/flow-builder.ts';
import { startFakeOpenAIServer, textReply, type FakeOpenAIServer } from '../providers/testing/fake-openai-server.ts';
import { TEST_API_KEY } from '../providers/testing/fake-provider.ts';
import { reviewFlow } from '../testing/fixture-flows.ts';
import { eventually, startTestServer } from '../testing/test-server.ts';
import { startRunTracing } from './start-run-tracing.ts';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean } }>;
}

let receiver: Server;
let endpoint: string;
const spans: OtlpSpan[] = [];
let fake: FakeOpenAIServer;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      expect(request.url).toBe('/v1/traces');
      expect(request.headers['content-type']).toMatch(/application\/json/);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const resource of body.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) spans.push(...scope.spans);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  fake = await startFakeOpenAIServer();
});
afterAll(async () => {
  await fake.close();
  await new Promise((resolve) => receiver.close(resolve));
});

const attribute = (span: OtlpSpan, key: string): unknown => {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  if (!value) return undefined;
  return value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ?? value.boolValue;
};

describe('run traces', () => {
  it('exports a run with its step spans, GenAI attributes, a wait span and the run cost', async () => {
    const askFlow = flow('ask', 'Ask').input('ticket', { text: 'string' }).model('ask', { retries: 0 }).output('result', { answer: 'string' }).wire('ticket.text', 'ask.text').wire('ask.result', 'result.answer').build();
    const test = await startTestServer({ env: { OPENAI_API_KEY: TEST_API_KEY, OPENAI_BASE_URL: fake.baseURL, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } });
    for (const saved of [askFlow, reviewFlow()]) expect((await test.api.put(`/api/flows/${saved.id}`, saved)).status).toBe(201);
    fake.reply(textReply('secret reply', { usage: { prompt_tokens: 1000, completion_tokens: 500 } }));
    const asked = await test.api.post('/api/flows/ask/invoke', { inputs: { text: 'secret prompt' } });
    expect(asked.status).toBe(200);
    const waiting = await test.api.post('/api/flows/review/invoke', { inputs: { text: 'check' } });
    expect(waiting.status).toBe(202);
    expect((await test.api.post(`/api/runs/${waiting.body.runId}/steps/review/decision`, { decision: 'approve' })).status).toBe(200);
    await eventually(async () => ((await test.api.get(waiting.body.url)).body.status === 'succeeded' ? true : undefined), 10_000, 'the review run to end');
    await test.close(); // flushes the exporter

    const runSpan = spans.find((span) => attribute(span, 'weft.run.id') === asked.body.runId && span.name === 'run ask')!;
    expect(runSpan).toBeDefined();
    expect(attribute(runSpan, 'weft.flow.id')).toBe('ask');
    expect(attribute(runSpan, 'weft.cost_usd')).toBeCloseTo(asked.body.costUsd, 12);
    const steps = spans.filter((span) => span.parentSpanId === runSpan.spanId);
    expect(steps.map((span) => span.name).sort()).toEqual(['step ask', 'step result', 'step ticket']);
    const model = steps.find((span) => span.name === 'step ask')!;
    expect(model.traceId).toBe(runSpan.traceId);
    expect(attribute(model, 'gen_ai.operation.name')).toBe('chat');
    expect(attribute(model, 'gen_ai.request.model')).toBe('gpt-4o-mini');
    expect(attribute(model, 'gen_ai.response.model')).toBe('gpt-4o-mini');
    expect(attribute(model, 'gen_ai.provider.name')).toBe('openai');
    expect(attribute(model, 'gen_ai.usage.input_tokens')).toBe(1000);
    expect(attribute(model, 'gen_ai.usage.output_tokens')).toBe(500);
    expect(attribute(model, 'weft.cost_usd')).toBeCloseTo(asked.body.costUsd, 12);
    expect(attribute(model, 'weft.step.status')).toBe('succeeded');
    // Content is not exported unless WEFT_OTEL_CAPTURE_CONTENT=true; keys never.
    const all = JSON.stringify(spans);
    expect(all).not.toContain('secret prompt');
    expect(all).not.toContain('secret reply');
    expect(all).not.toContain(TEST_API_KEY);

    const reviewRun = spans.find((span) => attribute(span, 'weft.run.id') === waiting.body.runId && span.name === 'run review')!;
    const wait = spans.find((span) => span.name === 'wait review' && span.traceId === reviewRun.traceId)!;
    expect(wait).toBeDefined();
    expect(BigInt(wait.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(wait.startTimeUnixNano));
  });

  it('loads nothing without an endpoint', async () => {
    expect(await startRunTracing({})).toBeUndefined();
    await expect(startRunTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).rejects.toThrow(/http\/protobuf or http\/json/);
  });
});
