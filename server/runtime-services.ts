/**
 * The services executors use, assembled once for the server and the CLI alike: the sandbox pool
 * for code steps and the model service over the openai SDK, with Weft's own simulated endpoint
 * standing in when no API key is configured.
 */
import type { EngineServices, SandboxService } from './engine/services.ts';
import { loadProviderConfig, type ProviderConfig } from './providers/config.ts';
import { createModelService } from './providers/openai-model-service.ts';
import { publicProviderInfo, type PublicProviderInfo } from './providers/public-provider-info.ts';
import { startSimulatedEndpoint } from './providers/simulated-endpoint.ts';
import { createSandbox } from './sandbox/index.ts';

export interface RuntimeServices {
  services: EngineServices;
  providers: ProviderConfig;
  /** True when model steps without a configured provider go to the simulated endpoint. */
  simulated: boolean;
  publicInfo: () => PublicProviderInfo;
  close(): Promise<void>;
}

export interface RuntimeServicesOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Pause between the simulated endpoint's streamed chunks (default: its own, ~20 ms). */
  simulatedChunkDelayMs?: number;
  sandboxPoolSize?: number;
}

export async function createRuntimeServices(options: RuntimeServicesOptions = {}): Promise<RuntimeServices> {
  const env = options.env ?? process.env;
  const providers = loadProviderConfig({ env, ...(options.cwd ? { cwd: options.cwd } : {}) });
  const simulated = providers.fallback.simulated;
  const endpoint = simulated
    ? await startSimulatedEndpoint(options.simulatedChunkDelayMs !== undefined ? { chunkDelayMs: options.simulatedChunkDelayMs } : {})
    : undefined;
  const models = createModelService({ config: providers, env, ...(endpoint ? { simulatedBaseURL: endpoint.baseURL } : {}) });
  const pool = createSandbox(options.sandboxPoolSize !== undefined ? { poolSize: options.sandboxPoolSize } : {});
  const sandbox: SandboxService = {
    run: (request, signal) =>
      pool.run({ source: request.source, language: request.language, inputs: request.inputs, limits: { timeoutMs: request.timeoutMs } }, signal),
  };
  return {
    services: { models, sandbox },
    providers,
    simulated,
    publicInfo: () => publicProviderInfo(providers),
    async close() {
      await Promise.all([pool.close(), endpoint?.close()]);
    },
  };
}
