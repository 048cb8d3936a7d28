/**
 * The providers layer for the composition root (server/main.ts, the CLI): loads the provider
 * configuration, starts the simulated endpoint only when some model needs it (no OPENAI_API_KEY),
 * and builds the ModelService the engine's executors use.
 */
import type { ModelService } from '../engine/services.ts';
import { loadProviderConfig, type LoadOptions, type ProviderConfig } from './config.ts';
import { createModelService, type ClientFactory } from './openai-model-service.ts';
import { publicProviderInfo, type PublicProviderInfo } from './public-provider-info.ts';
import { startSimulatedEndpoint } from './simulated-endpoint.ts';

export interface Providers {
  config: ProviderConfig;
  models: ModelService;
  /** For the UI and GET /api/health: no keys, no addresses. */
  info: PublicProviderInfo;
  /** Stops the simulated endpoint, if it was started. */
  close(): Promise<void>;
}

export interface StartProvidersOptions extends LoadOptions {
  /** Simulated endpoint's pause between streamed chunks (default 20 ms). */
  chunkDelayMs?: number;
  clientFactory?: ClientFactory;
}

/** Throws ProviderConfigError (naming the file) when the configuration is invalid. */
export async function startProviders(options: StartProvidersOptions = {}): Promise<Providers> {
  const env = options.env ?? process.env;
  const config = loadProviderConfig({ ...options, env });
  const simulated = config.fallback.simulated ? await startSimulatedEndpoint(options.chunkDelayMs !== undefined ? { chunkDelayMs: options.chunkDelayMs } : {}) : undefined;
  const models = createModelService({
    config,
    env,
    ...(simulated ? { simulatedBaseURL: simulated.baseURL } : {}),
    ...(options.clientFactory ? { clientFactory: options.clientFactory } : {}),
  });
  return { config, models, info: publicProviderInfo(config), close: async () => simulated?.close() };
}

export { loadProviderConfig, ProviderConfigError, type ProviderConfig } from './config.ts';
export { createModelService, type ClientFactory, type ClientSettings } from './openai-model-service.ts';
export { publicProviderInfo, type PublicProviderInfo } from './public-provider-info.ts';
export { createSimulatedHandler, startSimulatedEndpoint } from './simulated-endpoint.ts';
export { countTokens } from './tokens.ts';
