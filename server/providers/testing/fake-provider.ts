/**
 * A ModelService wired, through the real openai SDK and the default client factory, to a fresh
 * fake OpenAI server posing as the `openai` provider. For executor and service tests.
 */
import type { ModelService } from '../../engine/services.ts';
import { providerConfigFrom, type ProviderConfig, type ProviderFile } from '../config.ts';
import { createModelService } from '../openai-model-service.ts';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './fake-openai-server.ts';

/** A distinctive key, so tests can prove it never leaks. */
export const TEST_API_KEY = 'sk-weft-TEST-0123456789-do-not-leak';

export interface FakeProvider {
  fake: FakeOpenAIServer;
  models: ModelService;
  config: ProviderConfig;
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startFakeProvider(options: { file?: ProviderFile; env?: Record<string, string> } = {}): Promise<FakeProvider> {
  const fake = await startFakeOpenAIServer();
  const env = { OPENAI_API_KEY: TEST_API_KEY, OPENAI_BASE_URL: fake.baseURL, ...options.env };
  const config = providerConfigFrom(options.file, env);
  const models = createModelService({ config, env });
  return { fake, models, config, env, close: () => fake.close() };
}
