/**
 * Which servers answer which models: the default `openai` provider from the environment, plus any
 * OpenAI-compatible servers (Ollama, vLLM, LM Studio, OpenRouter ...) listed in `weft.config.json`
 * (in the working directory, or the file named by `WEFT_CONFIG`).
 *
 * The configuration holds the NAMES of the environment variables that hold keys, never the keys:
 * a key is read from the environment only when a client is created (see openai-model-service.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { parseJsonText } from '../../shared/json-text.ts';
import type { ModelPrice } from '../../shared/pricing.ts';

export const CONFIG_FILE_NAME = 'weft.config.json';
export const DEFAULT_PROVIDER = 'openai';
export const SIMULATED_PROVIDER = 'simulated';
const RESERVED_NAMES = [DEFAULT_PROVIDER, SIMULATED_PROVIDER];

export interface ProviderSettings {
  name: string;
  /** undefined only for the simulated provider, whose address is known once its endpoint runs. */
  baseURL: string | undefined;
  /** Name of the environment variable holding the key; undefined for servers that need none. */
  apiKeyEnv: string | undefined;
  /** Models this provider claims; empty for the fallback, which serves every unclaimed model. */
  models: string[];
  /** Prices declared for this provider's models; the fallback uses shared/pricing.ts instead. */
  prices: Record<string, ModelPrice>;
  simulated: boolean;
}

export interface ProviderConfig {
  /** Providers from the file, in file order. */
  providers: ProviderSettings[];
  /** `openai` when OPENAI_API_KEY is set, else the built-in simulated endpoint. */
  fallback: ProviderSettings;
  /** The file read, if any. */
  source: string | undefined;
}

export class ProviderConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderConfigError';
  }
}

const priceSchema = z
  .object({
    inputPerMillion: z.number().min(0),
    cachedInputPerMillion: z.number().min(0).optional(),
    outputPerMillion: z.number().min(0),
  })
  .strict();

const envNameSchema = z
  .string()
  .refine((value) => !/^sk-/.test(value), {
    message: 'holds what looks like an API key: name the environment variable that holds the key instead, never the key itself',
    abort: true,
  })
  .refine((value) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(value), 'must be the name of an environment variable, e.g. "OPENROUTER_API_KEY"');

const providerSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,62}$/, 'a provider name is lowercase letters, digits and dashes')
      .refine((name) => !RESERVED_NAMES.includes(name), `"openai" and "simulated" are built in (set OPENAI_API_KEY / OPENAI_BASE_URL for openai)`),
    baseURL: z
      .string()
      .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'must be an http(s) URL, e.g. "http://127.0.0.1:11434/v1"'),
    apiKeyEnv: envNameSchema.optional(),
    models: z.array(z.string().min(1)).min(1, 'list at least one model this provider serves'),
    prices: z.record(z.string(), priceSchema).optional(),
  })
  .strict()
  .superRefine((provider, context) => {
    for (const model of Object.keys(provider.prices ?? {})) {
      if (!provider.models.includes(model)) context.addIssue({ code: 'custom', path: ['prices', model], message: `"${model}" is priced but not in this provider's models` });
    }
  });

export const providerFileSchema = z
  .object({
    $schema: z.string().optional(),
    providers: z.array(providerSchema),
  })
  .strict()
  .superRefine((file, context) => {
    const names = new Map<string, number>();
    const owners = new Map<string, string>();
    file.providers.forEach((provider, index) => {
      if (names.has(provider.name)) context.addIssue({ code: 'custom', path: ['providers', index, 'name'], message: `provider "${provider.name}" is listed twice` });
      names.set(provider.name, index);
      provider.models.forEach((model, modelIndex) => {
        const owner = owners.get(model);
        if (owner) context.addIssue({ code: 'custom', path: ['providers', index, 'models', modelIndex], message: `model "${model}" is already served by provider "${owner}"` });
        else owners.set(model, provider.name);
      });
    });
  });

export type ProviderFile = z.infer<typeof providerFileSchema>;

export interface LoadOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
}

function issuePath(path: readonly PropertyKey[]): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`)).join('');
}

/**
 * Parses a provider file's text. Messages name the file and the place in it, and never echo the
 * values found there (a misplaced key must not end up in a log).
 */
export function parseProviderFile(text: string, path: string): ProviderFile {
  const json = parseJsonText(text);
  if (!json.ok) throw new ProviderConfigError(`${path}: ${json.message}`);
  const parsed = providerFileSchema.safeParse(json.value);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const message = issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}` : issue.message;
      return `${path}: ${issuePath(issue.path) || '(root)'}: ${message}`;
    });
    throw new ProviderConfigError(lines.join('\n'));
  }
  return parsed.data;
}

/** The fallback provider: OpenAI when a key is set, otherwise Weft's simulated endpoint. */
export function fallbackProvider(env: Record<string, string | undefined>): ProviderSettings {
  const hasKey = (env.OPENAI_API_KEY ?? '').trim() !== '';
  if (!hasKey) return { name: SIMULATED_PROVIDER, baseURL: undefined, apiKeyEnv: undefined, models: [], prices: {}, simulated: true };
  const baseURL = env.OPENAI_BASE_URL?.trim() || 'https://api.openai.com/v1';
  return { name: DEFAULT_PROVIDER, baseURL, apiKeyEnv: 'OPENAI_API_KEY', models: [], prices: {}, simulated: false };
}

/** Builds the configuration from an already parsed file (or none). */
export function providerConfigFrom(file: ProviderFile | undefined, env: Record<string, string | undefined>, source?: string): ProviderConfig {
  const providers = (file?.providers ?? []).map(
    (provider): ProviderSettings => ({
      name: provider.name,
      baseURL: provider.baseURL,
      apiKeyEnv: provider.apiKeyEnv,
      models: [...provider.models],
      prices: { ...provider.prices },
      simulated: false,
    }),
  );
  return { providers, fallback: fallbackProvider(env), source };
}

/**
 * Reads the provider configuration: `WEFT_CONFIG` (which must exist when set) or `weft.config.json`
 * in `cwd` (optional). Throws ProviderConfigError naming the file and the problem.
 */
export function loadProviderConfig(options: LoadOptions = {}): ProviderConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const named = env.WEFT_CONFIG?.trim();
  const path = named ? (isAbsolute(named) ? named : resolve(cwd, named)) : resolve(cwd, CONFIG_FILE_NAME);
  if (!existsSync(path)) {
    if (named) throw new ProviderConfigError(`${path}: WEFT_CONFIG names this file but it does not exist`);
    return providerConfigFrom(undefined, env);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ProviderConfigError(`${path}: cannot be read (${error instanceof Error && 'code' in error ? String(error.code) : 'unknown error'})`);
  }
  return providerConfigFrom(parseProviderFile(text, path), env, path);
}

/** The provider serving a model: the configured one that lists it, else the fallback. */
export function providerFor(config: ProviderConfig, model: string): ProviderSettings {
  return config.providers.find((provider) => provider.models.includes(model)) ?? config.fallback;
}
