/**
 * ModelService over the official `openai` SDK, for OpenAI and any OpenAI-compatible server.
 *
 * Requests stream with `stream_options.include_usage` so cost settles from the provider's own
 * usage. The token cap goes out as `max_completion_tokens`: OpenAI deprecated `max_tokens` and its
 * reasoning models (o-series, gpt-5) refuse it, while vLLM, LM Studio and OpenRouter accept the new
 * name; a server that ignores it merely loses the cap (local servers are priced at 0 anyway).
 * `temperature` is sent only when the node sets it (reasoning models refuse anything but 1).
 *
 * Retries and backoff are the SDK's (408/409/429/5xx and connection errors; `maxRetries` per
 * node, default 2; it honours `retry-after(-ms)`); we map only the final error (provider-errors.ts).
 *
 * CPU per request matters when many runs stream at once: the SDK sends through a keep-alive
 * node:http fetch (node-http-fetch.ts) instead of undici's fetch, which costs the server 15 to 25 %
 * more CPU per model step at a model latency of 300 ms (bench/model-fetch.ts; `WEFT_MODEL_FETCH=undici`
 * switches to it), the step's signal goes to the SDK unwrapped, and the stall guard is one timer
 * per reply (stall-guard.ts).
 */
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { findPrice } from '../../shared/pricing.ts';
import { StepFailure } from '../engine/executor.ts';
import type { ModelRequest, ModelService, ModelStreamPart, ResolvedModel } from '../engine/services.ts';
import { chunkParts } from './chat-chunk-parts.ts';
import { providerFor, type ProviderConfig, type ProviderSettings } from './config.ts';
import { createNodeHttpFetch } from './node-http-fetch.ts';
import { createUndiciFetch, type FetchFunction } from './undici-fetch.ts';
import { providerFailure } from './provider-errors.ts';
import { createRedactor, type Redactor } from './redact.ts';
import { StreamRedactor } from './stream-redactor.ts';
import { isStrictCompatible } from './strict-schema.ts';
import { SDK_DEFAULT_TIMEOUT_MS, StallGuard } from './stall-guard.ts';
import { countTokens, warmTokenizersOnce } from './tokens.ts';

export const DEFAULT_MAX_RETRIES = 2;
/**
 * Sent to servers that need no key: the SDK would otherwise fall back to OPENAI_API_KEY and hand
 * the OpenAI key to a third-party server.
 */
export const NO_KEY = 'no-key';

/** What a client factory gets: the one place a key leaves the environment. */
export interface ClientSettings {
  provider: string;
  baseURL: string;
  apiKey: string;
  simulated: boolean;
  /** OpenAI organisation and project headers; null for every other provider. */
  organization: string | null;
  project: string | null;
}

export type ClientFactory = (settings: ClientSettings) => OpenAI;

export interface ModelServiceOptions {
  config: ProviderConfig;
  /** Where the built-in simulated endpoint listens (needed when no OPENAI_API_KEY is set). */
  simulatedBaseURL?: string;
  /** Builds the OpenAI client of a provider; tests point it at a local server. */
  clientFactory?: ClientFactory;
  /**
   * Where keys are read from, at client creation only (default process.env); also
   * `WEFT_MODEL_FETCH` (`undici` for undici's fetch) when no client factory is given.
   */
  env?: Record<string, string | undefined>;
}

/** The fetch every client shares: Weft's own over node:http (default) or undici's. */
export type ModelFetchName = 'node-http' | 'undici';

const sharedFetches = new Map<ModelFetchName, FetchFunction>();

function sharedFetch(name: ModelFetchName): FetchFunction {
  let fetch = sharedFetches.get(name);
  // The SDK's type asks for a `Response`; the own fetch answers with the part of one the SDK reads
  // (node-http-response.ts), which openai-model-service.test.ts runs the SDK against.
  if (!fetch) sharedFetches.set(name, (fetch = name === 'undici' ? createUndiciFetch() : (createNodeHttpFetch() as FetchFunction)));
  return fetch;
}

/**
 * Every value that could come from the environment is passed explicitly, so the SDK reads none.
 * Requests go through one keep-alive fetch shared by every client.
 */
export const openAIClientFactory = (fetchName: ModelFetchName): ClientFactory => (settings) =>
  new OpenAI({
    fetch: sharedFetch(fetchName),
    apiKey: settings.apiKey,
    baseURL: settings.baseURL,
    organization: settings.organization,
    project: settings.project,
    adminAPIKey: null,
    webhookSecret: null,
    maxRetries: DEFAULT_MAX_RETRIES,
  });

export const defaultClientFactory: ClientFactory = openAIClientFactory('node-http');

interface ProviderClient {
  client: OpenAI;
  redact: Redactor;
  /** The key sent to this provider (none for servers without one). */
  secrets: string[];
}

export function createModelService(options: ModelServiceOptions): ModelService {
  const { config } = options;
  const env = options.env ?? process.env;
  const factory = options.clientFactory ?? (env.WEFT_MODEL_FETCH === 'undici' ? openAIClientFactory('undici') : defaultClientFactory);
  const clients = new Map<string, ProviderClient>();
  // Off the first model step's path: the tokenizer table builds in slices from now on.
  void warmTokenizersOnce();

  function clientFor(provider: ProviderSettings): ProviderClient {
    const existing = clients.get(provider.name);
    if (existing) return existing;
    const baseURL = provider.simulated ? options.simulatedBaseURL : provider.baseURL;
    if (!baseURL) throw new StepFailure('provider', `provider "${provider.name}" has no address (is the simulated endpoint running?)`);
    const apiKey = provider.apiKeyEnv ? env[provider.apiKeyEnv]?.trim() : NO_KEY;
    if (!apiKey) throw new StepFailure('provider', `provider "${provider.name}" needs a key in the environment variable ${provider.apiKeyEnv}, which is not set`);
    const isOpenAI = !provider.simulated && config.fallback === provider;
    const client = factory({
      provider: provider.name,
      baseURL,
      apiKey,
      simulated: provider.simulated,
      organization: isOpenAI ? (env.OPENAI_ORG_ID ?? null) : null,
      project: isOpenAI ? (env.OPENAI_PROJECT_ID ?? null) : null,
    });
    const secrets = apiKey === NO_KEY ? [] : [apiKey];
    const created = { client, redact: createRedactor(secrets), secrets };
    clients.set(provider.name, created);
    return created;
  }

  function resolve(model: string): ResolvedModel {
    const provider = providerFor(config, model);
    const price = provider === config.fallback ? findPrice(model) : findPrice(model, provider.prices);
    return { model, provider: provider.name, simulated: provider.simulated, price };
  }

  async function* stream(request: ModelRequest): AsyncGenerator<ModelStreamPart> {
    if (request.signal.aborted) throw new StepFailure('cancelled', 'model request cancelled');
    const provider = providerFor(config, request.model);
    const { client, redact, secrets } = clientFor(provider);
    // A provider (or a proxy) that echoes the request's headers puts the key into the reply itself.
    const replyRedactor = new StreamRedactor(secrets);
    const maxRetries = request.maxRetries ?? DEFAULT_MAX_RETRIES;
    const context = { provider: provider.name, apiKeyEnv: provider.apiKeyEnv, maxRetries, timeoutMs: request.timeoutMs, signal: request.signal, redact, started: false };
    const stall = new StallGuard(request.timeoutMs ?? SDK_DEFAULT_TIMEOUT_MS);
    const stalled = () => new StepFailure('provider', `provider "${provider.name}" stopped sending for ${stall.idleMs} ms in the middle of the reply`, { retryable: true });
    let finished = false;
    let refusal = '';
    try {
      // The step's own signal goes to the SDK as is: the stall guard aborts through the stream's
      // controller, so no AbortController or AbortSignal.any of ours per request.
      const chunks = await client.chat.completions.create(requestBody(request), {
        signal: request.signal,
        maxRetries,
        ...(request.timeoutMs !== undefined ? { timeout: request.timeoutMs } : {}),
      });
      stall.start(() => chunks.controller.abort());
      for await (const chunk of chunks) {
        stall.received();
        context.started = true;
        const mapped = chunkParts(chunk);
        refusal += mapped.refusal;
        for (const part of mapped.parts) {
          if (part.type === 'text-delta') {
            const text = replyRedactor.push(part.text);
            if (text !== '') yield { ...part, text };
            continue;
          }
          const rest = replyRedactor.flush();
          if (rest !== '') yield { type: 'text-delta', text: rest };
          if (part.type === 'finish') finished = true;
          yield part;
        }
        stall.waiting();
      }
      const rest = replyRedactor.flush();
      if (rest !== '') yield { type: 'text-delta', text: rest };
    } catch (error) {
      throw stall.fired ? stalled() : providerFailure(error, context);
    } finally {
      stall.clear();
    }
    // The SDK ends the iteration quietly when its signal aborts mid-stream.
    if (request.signal.aborted) throw new StepFailure('cancelled', 'model request cancelled');
    if (stall.fired) throw stalled();
    if (refusal) throw new StepFailure('refused', redact(`the model refused: ${refusal}`));
    if (!finished) throw new StepFailure('provider', `provider "${provider.name}" ended the reply before it finished`, { retryable: true });
  }

  return { resolve, countTokens, stream };
}

/** The chat completion request body (exported for tests and for reading). */
export function requestBody(request: ModelRequest): ChatCompletionCreateParamsStreaming {
  return {
    model: request.model,
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    stream: true,
    stream_options: { include_usage: true },
    max_completion_tokens: request.maxTokens,
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.responseSchema
      ? { response_format: { type: 'json_schema', json_schema: { name: request.responseSchema.name, schema: request.responseSchema.schema, strict: isStrictCompatible(request.responseSchema.schema) } } }
      : {}),
  };
}
