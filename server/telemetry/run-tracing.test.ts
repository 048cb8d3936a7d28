/**
 * Traces through the real server to a local OTLP receiver (an HTTP server that decodes what the
 * exporter posts), over both OTLP/HTTP protocols: `http/protobuf` (decoded with the OTLP protobuf
 * types) and `http/json`. A run span, a child span per step attempt with the GenAI attributes, a
 * wait span, and costs equal to the run's. Without an endpoint nothing is loaded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flow } from '../../shared/testing/flow-builder.ts';
import { startFakeOpenAIServer, textReply, type FakeOpenAIServer } from '../providers/testing/fake-openai-server.ts';
import { TEST_API_KEY } from '../providers/testing/fake-provider.ts';
import { reviewFlow } from '../testing/fixture-flows.ts';
import { eventually, startTestServer } from '../testing/test-server.ts';
import { startRunTracing } from './start-run-tracing.ts';
import { attribute, startOtlpReceiver, type OtlpReceiver } from './testing/otlp-receiver.ts';

let fake: FakeOpenAIServer;
const receivers: OtlpReceiver[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAIServer();
});
afterAll(async () => {
  await fake.close();
  for (const receiver of receivers) await receiver.close();
});

const CONTENT_TYPES = { 'http/protobuf': 'application/x-protobuf', 'http/json': 'application/json' } as const;

describe('run traces', () => {
  it.each(['http/protobuf', 'http/json'] as const)('exports a run over %s with its step spans, GenAI attributes, a wait span and the run cost', async (protocol) => {
    const receiver = await startOtlpReceiver();
    receivers.push(receiver);
    const spans = receiver.spans;
    const askFlow = flow('ask', 'Ask').input('ticket', { text: 'string' }).model('ask', { retries: 0 }).output('result', { answer: 'string' }).wire('ticket.text', 'ask.text').wire('ask.result', 'result.answer').build();
    const test = await startTestServer({ env: { OPENAI_API_KEY: TEST_API_KEY, OPENAI_BASE_URL: fake.baseURL, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: protocol } });
    for (const saved of [askFlow, reviewFlow()]) expect((await test.api.put(`/api/flows/${saved.id}`, saved)).status).toBe(201);
    fake.reply(textReply('secret reply', { usage: { prompt_tokens: 1000, completion_tokens: 500 } }));
    const asked = await test.api.post('/api/flows/ask/invoke', { inputs: { text: 'secret prompt' } });
    expect(asked.status).toBe(200);
    const waiting = await test.api.post('/api/flows/review/invoke', { inputs: { text: 'check' } });
    expect(waiting.status).toBe(202);
    expect((await test.api.post(`/api/runs/${waiting.body.runId}/steps/review/decision`, { decision: 'approve' })).status).toBe(200);
    await eventually(async () => ((await test.api.get(waiting.body.url)).body.status === 'succeeded' ? true : undefined), 10_000, 'the review run to end');
    await test.close(); // flushes the exporter
    expect(receiver.contentTypes.length).toBeGreaterThan(0);
    expect(receiver.contentTypes.every((type) => type.startsWith(CONTENT_TYPES[protocol]))).toBe(true);

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
    await expect(startRunTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).rejects.toThrow(/http\/protobuf or http\/json/);
  });
});
