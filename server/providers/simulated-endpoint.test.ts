import { request as httpRequest } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAgainstSchema } from '../../shared/json-schema.ts';
import type { ModelConfig } from '../../shared/kinds/model.ts';
import type { ModelService } from '../engine/services.ts';
import { modelExecutor } from '../executors/model/model-executor.ts';
import { providerConfigFrom } from './config.ts';
import { createModelService } from './openai-model-service.ts';
import { startSimulatedEndpoint, type SimulatedEndpoint } from './simulated-endpoint.ts';
import { asksForUnsure } from './simulated-reply.ts';
import { fakeStepContext } from './testing/fake-step-context.ts';
import { countTokens } from './tokens.ts';

let endpoint: SimulatedEndpoint;
let client: OpenAI;
let models: ModelService;

beforeAll(async () => {
  endpoint = await startSimulatedEndpoint({ chunkDelayMs: 0 });
  client = new OpenAI({ apiKey: 'no-key', baseURL: endpoint.baseURL, maxRetries: 0, organization: null, project: null });
  models = createModelService({ config: providerConfigFrom(undefined, {}), env: {}, simulatedBaseURL: endpoint.baseURL });
});
afterAll(async () => {
  await endpoint.close();
});

const ticketSchema = {
  type: 'object',
  properties: {
    category: { type: 'string', enum: ['billing', 'bug', 'other'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    tags: { type: 'array', items: { type: 'string' } },
    summary: { type: 'string', maxLength: 40 },
  },
  required: ['category', 'confidence', 'tags', 'summary'],
  additionalProperties: false,
};

async function streamText(body: Record<string, unknown>) {
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Summarise: the printer is on fire' }], stream: true, stream_options: { include_usage: true }, ...body } as never);
  let text = '';
  let chunks = 0;
  let usage: OpenAI.CompletionUsage | undefined;
  let finish: string | null = null;
  for await (const chunk of stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
    chunks++;
  }
  return { text, chunks, usage, finish };
}

describe('simulated endpoint', () => {
  it('streams a short text that says it is simulated, with usage counted by the tokenizer', async () => {
    const { text, chunks, usage, finish } = await streamText({});
    expect(text).toMatch(/simulated/);
    expect(text).toContain('the printer is on fire');
    expect(chunks).toBeGreaterThan(3);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(countTokens('gpt-4o-mini', text));
    expect(usage?.prompt_tokens).toBeGreaterThan(countTokens('gpt-4o-mini', 'Summarise: the printer is on fire'));
  });

  it('serves a long prompt sent again from its cache, like OpenAI (1,024 tokens or more, in steps of 128)', async () => {
    const long = { messages: [{ role: 'user', content: `Summarise: ${'the printer on floor three is on fire again. '.repeat(150)}` }] };
    const first = (await streamText(long)).usage!;
    expect(first.prompt_tokens).toBeGreaterThan(1024);
    expect(first.prompt_tokens_details?.cached_tokens).toBe(0);
    const again = (await streamText(long)).usage!;
    expect(again.prompt_tokens).toBe(first.prompt_tokens);
    expect(again.prompt_tokens_details?.cached_tokens).toBe(first.prompt_tokens - (first.prompt_tokens % 128));
    // A short prompt is never cached.
    await streamText({});
    expect((await streamText({})).usage!.prompt_tokens_details?.cached_tokens).toBe(0);
  });

  it('answers the same request the same way', async () => {
    expect((await streamText({})).text).toBe((await streamText({})).text);
  });

  it('answers a json_schema request with JSON that satisfies the schema', async () => {
    const { text } = await streamText({ response_format: { type: 'json_schema', json_schema: { name: 'result', schema: ticketSchema, strict: true } } });
    const value = JSON.parse(text);
    expect(checkAgainstSchema(ticketSchema, value)).toEqual([]);
    expect(value.category).toBe('billing');
  });

  it('answers without streaming too', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }] });
    expect(completion.choices[0]!.message.content).toMatch(/simulated/);
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('cuts the reply at the token cap', async () => {
    const { usage, finish } = await streamText({ max_completion_tokens: 3 });
    expect(finish).toBe('length');
    expect(usage?.completion_tokens).toBe(3);
  });

  it('refuses malformed requests, unknown routes and foreign hosts', async () => {
    const bad = await fetch(`${endpoint.baseURL}/chat/completions`, { method: 'POST', body: '{"model":"x"}', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/messages/);
    expect((await fetch(`${endpoint.baseURL}/embeddings`, { method: 'POST', body: '{}' })).status).toBe(404);
    const { port } = new URL(endpoint.baseURL);
    const foreign = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/v1/models', headers: { host: 'evil.example' } }, (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.end();
    });
    expect(foreign).toBe(403);
  });
});

describe('simulated endpoint behind a model step', () => {
  const classify: ModelConfig = {
    model: 'gpt-4o-mini',
    prompt: 'Classify this ticket: {{text}}',
    inputs: [{ name: 'text', type: 'string' }],
    output: { type: 'json', schema: ticketSchema },
    allowUnsure: true,
  };

  it('answers on result, priced like the named model and marked simulated', async () => {
    const { context, emitted } = fakeStepContext({ config: classify, inputs: { text: 'I was charged twice' }, models });
    const outcome = await modelExecutor.run(context);
    expect(outcome.type === 'outputs' && checkAgainstSchema(ticketSchema, outcome.outputs.result)).toEqual([]);
    expect(emitted('step.cost').at(-1)).toMatchObject({ final: true, simulated: true });
    expect(emitted('step.cost').at(-1)!.usd).toBeGreaterThan(0);
    expect(emitted('step.prompt')[0]!.simulated).toBe(true);
  });

  it('takes the unsure path when the input says "not sure"', async () => {
    const { context } = fakeStepContext({ config: classify, inputs: { text: "I'm Not Sure what happened to my order" }, models });
    const outcome = await modelExecutor.run(context);
    expect(outcome).toEqual({ type: 'outputs', outputs: { unsure: expect.stringMatching(/unsure/i) } });
  });

  it('streams a plain-text step', async () => {
    const greet: ModelConfig = { model: 'gpt-5-nano', prompt: 'Say hi to {{name}}', inputs: [{ name: 'name', type: 'string' }] };
    const { context, emitted } = fakeStepContext({ config: greet, inputs: { name: 'Ada' }, models });
    const outcome = await modelExecutor.run(context);
    expect(outcome.type === 'outputs' && outcome.outputs.result).toMatch(/simulated.*Say hi to Ada/);
    // Chunks sent without a pause (chunkDelayMs 0) arrive merged into fewer deltas; the text is the same.
    expect(emitted('step.delta').map((delta) => delta.text).join('')).toBe(outcome.type === 'outputs' ? outcome.outputs.result : undefined);
  });
});

describe('asksForUnsure', () => {
  it('hears "unsure" and "not sure" in the case at hand, but not in instructions about them', () => {
    expect(asksForUnsure("I'm NOT SURE what happened")).toBe(true);
    expect(asksForUnsure('Customer is unsure which plan they bought')).toBe(true);
    expect(asksForUnsure('If you cannot answer with confidence, say you are unsure and why.\n\nQuestion: What is the capital of France?')).toBe(false);
    expect(asksForUnsure('If unsure, say so. When not sure, explain. Ticket: refund please')).toBe(false);
    expect(asksForUnsure('If you are unsure, say so.\n\nQuestion: I am not sure: when will fusion work?')).toBe(true);
  });
});
