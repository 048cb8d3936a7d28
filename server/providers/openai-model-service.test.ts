import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StepFailure } from '../engine/executor.ts';
import type { ModelRequest, ModelStreamPart } from '../engine/services.ts';
import { providerConfigFrom } from './config.ts';
import { createModelService, requestBody } from './openai-model-service.ts';
import { startFakeOpenAIServer, textReply, type FakeOpenAIServer } from './testing/fake-openai-server.ts';
import { startFakeProvider, TEST_API_KEY, type FakeProvider } from './testing/fake-provider.ts';

function ask(overrides: Partial<ModelRequest> = {}): ModelRequest {
  return { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }], maxTokens: 50, signal: new AbortController().signal, ...overrides };
}

async function collect(parts: AsyncIterable<ModelStreamPart>): Promise<ModelStreamPart[]> {
  const all: ModelStreamPart[] = [];
  for await (const part of parts) all.push(part);
  return all;
}

async function failure(parts: AsyncIterable<ModelStreamPart>): Promise<StepFailure> {
  try {
    await collect(parts);
  } catch (error) {
    expect(error).toBeInstanceOf(StepFailure);
    return error as StepFailure;
  }
  throw new Error('expected the stream to fail');
}

let provider: FakeProvider;
beforeEach(async () => {
  provider = await startFakeProvider();
});
afterEach(async () => {
  await provider.close();
});

describe('stream', () => {
  it('streams text deltas, the finish reason and the usage', async () => {
    provider.fake.reply(textReply('Hello there', { usage: { prompt_tokens: 12, completion_tokens: 3, cached_tokens: 4 } }));
    const parts = await collect(provider.models.stream(ask()));
    expect(parts.filter((part) => part.type === 'text-delta').map((part) => part.text).join('')).toBe('Hello there');
    expect(parts).toContainEqual({ type: 'finish', reason: 'stop' });
    expect(parts).toContainEqual({ type: 'usage', inputTokens: 12, cachedInputTokens: 4, outputTokens: 3 });
  });

  it('sends a streaming request with usage, the token cap and the key', async () => {
    provider.fake.reply(textReply('ok'));
    await collect(provider.models.stream(ask({ maxRetries: 0 })));
    const [request] = provider.fake.requests;
    expect(request!.path).toBe('/v1/chat/completions');
    expect(request!.headers.authorization).toBe(`Bearer ${TEST_API_KEY}`);
    expect(request!.body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, max_completion_tokens: 50, messages: [{ role: 'user', content: 'Say hello' }] });
    expect(request!.body).not.toHaveProperty('temperature');
    expect(request!.body).not.toHaveProperty('response_format');
  });

  it('sends a json_schema response format, strict only when the schema allows it', () => {
    const strictSchema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    const looseSchema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(requestBody(ask({ responseSchema: { name: 'result', schema: strictSchema } })).response_format).toEqual({ type: 'json_schema', json_schema: { name: 'result', schema: strictSchema, strict: true } });
    expect(requestBody(ask({ responseSchema: { name: 'result', schema: looseSchema }, temperature: 0.2 }))).toMatchObject({ temperature: 0.2, response_format: { json_schema: { strict: false } } });
  });

  it('relies on the SDK to retry 429s until one succeeds', async () => {
    provider.fake.reply({ kind: 'status', status: 429 }, { kind: 'status', status: 429 }, textReply('finally'));
    const parts = await collect(provider.models.stream(ask({ maxRetries: 2 })));
    expect(provider.fake.requests).toHaveLength(3);
    expect(parts.some((part) => part.type === 'text-delta')).toBe(true);
  });

  it('gives up on a 500 after its retries, as a retryable provider failure', async () => {
    provider.fake.reply({ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    const error = await failure(provider.models.stream(ask({ maxRetries: 1 })));
    expect(provider.fake.requests).toHaveLength(2);
    expect(error.code).toBe('provider');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/provider "openai" answered 500 \(server error\) \(after 2 attempts\)/);
  });

  it('does not retry a 400', async () => {
    provider.fake.reply({ kind: 'status', status: 400, message: 'Invalid schema for response_format' }, textReply('never'));
    const error = await failure(provider.models.stream(ask()));
    expect(provider.fake.requests).toHaveLength(1);
    expect(error).toMatchObject({ code: 'provider', retryable: false });
    expect(error.message).toBe('provider "openai" answered 400 (bad request): Invalid schema for response_format');
  });

  it('keeps the key out of a 401 that echoes it', async () => {
    provider.fake.reply({ kind: 'status', status: 401, message: `Incorrect API key provided: ${TEST_API_KEY}. Also sk-abc1****wxyz.` });
    const error = await failure(provider.models.stream(ask()));
    expect(provider.fake.requests).toHaveLength(1);
    expect(error.message).toContain('401 (authentication failed, check OPENAI_API_KEY)');
    expect(error.message).not.toContain(TEST_API_KEY);
    expect(error.message).not.toContain('sk-abc1');
    expect(error.cause).toBeUndefined();
  });

  it('aborts the in-flight stream when the signal aborts, and says cancelled', async () => {
    provider.fake.reply(textReply('one two three four', { chunkDelayMs: 20, hangAfterChunks: true }));
    const controller = new AbortController();
    const parts = provider.models.stream(ask({ signal: controller.signal }));
    const error = await (async () => {
      try {
        for await (const part of parts) if (part.type === 'text-delta') controller.abort();
      } catch (caught) {
        return caught as StepFailure;
      }
      throw new Error('expected cancellation');
    })();
    expect(error.code).toBe('cancelled');
    await provider.fake.requests[0]!.closed;
    expect(provider.fake.requests[0]!.closedByClient).toBe(true);
  });

  it('fails a request that gets no answer within its timeout', async () => {
    provider.fake.reply({ kind: 'hang' });
    const error = await failure(provider.models.stream(ask({ timeoutMs: 200, maxRetries: 0 })));
    expect(error).toMatchObject({ code: 'provider', retryable: true, message: 'provider "openai" did not answer within 200 ms' });
  });

  it('fails a stream that stalls mid-reply for longer than its timeout, and closes it', async () => {
    provider.fake.reply(textReply('so far so', { hangAfterChunks: true }));
    const error = await failure(provider.models.stream(ask({ timeoutMs: 300, maxRetries: 0 })));
    expect(error).toMatchObject({ code: 'provider', retryable: true, message: 'provider "openai" stopped sending for 300 ms in the middle of the reply' });
    await provider.fake.requests[0]!.closed;
    expect(provider.fake.requests[0]!.closedByClient).toBe(true);
  });

  it('fails a stream that ends before its finish, as retryable', async () => {
    provider.fake.reply({ kind: 'text', chunks: ['par', 'tial'], omitFinish: true });
    const error = await failure(provider.models.stream(ask({ maxRetries: 0 })));
    expect(error).toMatchObject({ code: 'provider', retryable: true, message: 'provider "openai" ended the reply before it finished' });
  });

  it('fails a stream whose connection drops mid-reply, as retryable', async () => {
    provider.fake.reply({ kind: 'text', chunks: ['par', 'tial'], dropAfterChunks: true });
    const error = await failure(provider.models.stream(ask({ maxRetries: 0 })));
    expect(error).toMatchObject({ code: 'provider', retryable: true });
    expect(error.message).toMatch(/^lost the connection to provider "openai" during the reply/);
  });

  it('turns a refusal into a refused failure, after the usage', async () => {
    provider.fake.reply({ kind: 'text', chunks: [], refusal: "I can't help with that." });
    const seen: ModelStreamPart[] = [];
    const error = await failure(
      (async function* () {
        for await (const part of provider.models.stream(ask())) {
          seen.push(part);
          yield part;
        }
      })(),
    );
    expect(error).toMatchObject({ code: 'refused', message: "the model refused: I can't help with that." });
    expect(seen.some((part) => part.type === 'usage')).toBe(true);
  });
});

describe('resolve', () => {
  it('prices OpenAI models from the table, snapshots included', () => {
    expect(provider.models.resolve('gpt-4o-mini-2024-07-18')).toEqual({ model: 'gpt-4o-mini-2024-07-18', provider: 'openai', simulated: false, price: { inputPerMillion: 0.15, cachedInputPerMillion: 0.075, outputPerMillion: 0.6 } });
    expect(provider.models.resolve('some-new-model').price).toBeUndefined();
  });

  it('routes claimed models to their provider at its prices, and the rest to openai', () => {
    const config = providerConfigFrom({ providers: [{ name: 'local', baseURL: 'http://127.0.0.1:11434/v1', models: ['llama3.1', 'qwen'], prices: { 'llama3.1': { inputPerMillion: 0, outputPerMillion: 0 } } }] }, { OPENAI_API_KEY: 'k' });
    const models = createModelService({ config, env: {} });
    expect(models.resolve('llama3.1')).toMatchObject({ provider: 'local', simulated: false, price: { inputPerMillion: 0, outputPerMillion: 0 } });
    expect(models.resolve('qwen').price).toBeUndefined();
    expect(models.resolve('gpt-4o')).toMatchObject({ provider: 'openai', simulated: false });
  });

  it('sends unclaimed models to the simulated endpoint, priced as the named model, when no key is set', () => {
    const models = createModelService({ config: providerConfigFrom(undefined, {}), env: {}, simulatedBaseURL: 'http://127.0.0.1:1/v1' });
    expect(models.resolve('gpt-4o')).toMatchObject({ provider: 'simulated', simulated: true, price: { inputPerMillion: 2.5 } });
  });
});

describe('providers that need no key', () => {
  let local: FakeOpenAIServer;
  beforeEach(async () => {
    local = await startFakeOpenAIServer();
  });
  afterEach(async () => {
    await local.close();
  });

  it('never receive the OpenAI key', async () => {
    const env = { OPENAI_API_KEY: TEST_API_KEY };
    const config = providerConfigFrom({ providers: [{ name: 'ollama', baseURL: local.baseURL, models: ['llama3.1'] }] }, env);
    const models = createModelService({ config, env });
    local.reply(textReply('hi'));
    await collect(models.stream(ask({ model: 'llama3.1' })));
    expect(local.requests[0]!.headers.authorization).toBe('Bearer no-key');
    expect(JSON.stringify(local.requests[0]!.headers)).not.toContain(TEST_API_KEY);
  });

  it('read a named key variable, and say which one is missing', async () => {
    const config = providerConfigFrom({ providers: [{ name: 'router', baseURL: local.baseURL, apiKeyEnv: 'ROUTER_KEY', models: ['m'] }] }, {});
    const missing = await failure(createModelService({ config, env: {} }).stream(ask({ model: 'm' })));
    expect(missing.message).toBe('provider "router" needs a key in the environment variable ROUTER_KEY, which is not set');
    local.reply(textReply('hi'));
    await collect(createModelService({ config, env: { ROUTER_KEY: 'router-secret' } }).stream(ask({ model: 'm' })));
    expect(local.requests[0]!.headers.authorization).toBe('Bearer router-secret');
  });
});
