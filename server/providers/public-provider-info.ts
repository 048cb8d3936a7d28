/**
 * What the UI and the health endpoint may know about providers: names, models and whether the
 * simulated endpoint answers. No keys, no key variable names, no base URLs (a URL can carry
 * credentials or reveal internal hosts).
 */
import type { ProviderConfig } from './config.ts';

export interface PublicProvider {
  name: string;
  /** Models the provider claims; empty for the fallback, which serves every other model. */
  models: string[];
  simulated: boolean;
  /** Serves every model no other provider claims. */
  fallback: boolean;
}

export interface PublicProviderInfo {
  providers: PublicProvider[];
  /** True when unclaimed models are answered by the built-in simulated endpoint (no OPENAI_API_KEY). */
  simulated: boolean;
}

export function publicProviderInfo(config: ProviderConfig): PublicProviderInfo {
  const configured = config.providers.map((provider) => ({ name: provider.name, models: [...provider.models], simulated: false, fallback: false }));
  const fallback = { name: config.fallback.name, models: [], simulated: config.fallback.simulated, fallback: true };
  return { providers: [...configured, fallback], simulated: config.fallback.simulated };
}
