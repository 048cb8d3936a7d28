/**
 * The services executors use, assembled once for the server and the CLI alike: the sandbox pool
 * for code steps and the model service over the openai SDK, with Weft's own simulated endpoint
 * standing in when no API key is configured.
 */
import { sandboxWorkersFrom } from './config.ts';
import type { EngineServices } from './engine/executor.ts';
import type { SandboxService } from './engine/services.ts';
import { startProviders, type Providers, type PublicProviderInfo } from './providers/index.ts';
import { createSandbox } from './sandbox/index.ts';

export interface RuntimeServices {
  services: EngineServices;
  providers: Providers;
  /** True when model steps without a configured provider go to the simulated endpoint. */
  simulated: boolean;
  /** Provider names and models for the UI and /api/health: no keys, no addresses. */
  publicInfo: () => PublicProviderInfo;
  close(): Promise<void>;
}

export interface RuntimeServicesOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Pause between the simulated endpoint's streamed chunks (default: its own, ~20 ms). */
  simulatedChunkDelayMs?: number;
  /** Sandbox workers for code steps; default WEFT_SANDBOX_WORKERS from `env`, else the sandbox's own default (2). */
  sandboxPoolSize?: number;
}

export async function createRuntimeServices(options: RuntimeServicesOptions = {}): Promise<RuntimeServices> {
  const env = options.env ?? process.env;
  const poolSize = options.sandboxPoolSize ?? sandboxWorkersFrom(env);
  const providers = await startProviders({
    env,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.simulatedChunkDelayMs !== undefined ? { chunkDelayMs: options.simulatedChunkDelayMs } : {}),
  });
  const pool = createSandbox(poolSize !== undefined ? { poolSize } : {});
  const sandbox: SandboxService = {
    // Written out rather than with rest and spread, which cost about 1 us a call (bench/README.md, round four).
    run: (request, signal) =>
      pool.run(
        {
          source: request.source,
          language: request.language,
          inputs: request.inputs,
          limits: { timeoutMs: request.timeoutMs },
          owner: request.owner,
          onQueued: request.onQueued,
          onStart: request.onStart,
        },
        signal,
      ),
  };
  return {
    services: { models: providers.models, sandbox },
    providers,
    simulated: providers.config.fallback.simulated,
    publicInfo: () => providers.info,
    async close() {
      await Promise.all([pool.close(), providers.close()]);
    },
  };
}
