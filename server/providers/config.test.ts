import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadProviderConfig, parseProviderFile, ProviderConfigError, providerFor } from './config.ts';
import { publicProviderInfo } from './public-provider-info.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'weft-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

function loadError(env: Record<string, string> = {}): ProviderConfigError {
  try {
    loadProviderConfig({ env, cwd: dir });
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderConfigError);
    return error as ProviderConfigError;
  }
  throw new Error('expected a configuration error');
}

const ollama = { name: 'ollama', baseURL: 'http://127.0.0.1:11434/v1', models: ['llama3.1:8b'], prices: { 'llama3.1:8b': { inputPerMillion: 0, outputPerMillion: 0 } } };

describe('loadProviderConfig', () => {
  it('without a file or key: every model goes to the simulated endpoint', () => {
    const config = loadProviderConfig({ env: {}, cwd: dir });
    expect(config.providers).toEqual([]);
    expect(config.fallback).toMatchObject({ name: 'simulated', simulated: true });
    expect(config.source).toBeUndefined();
  });

  it('with OPENAI_API_KEY: openai serves unclaimed models, at OPENAI_BASE_URL when set', () => {
    expect(loadProviderConfig({ env: { OPENAI_API_KEY: 'sk-x' }, cwd: dir }).fallback).toMatchObject({ name: 'openai', simulated: false, baseURL: 'https://api.openai.com/v1', apiKeyEnv: 'OPENAI_API_KEY' });
    expect(loadProviderConfig({ env: { OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: 'http://proxy.local/v1' }, cwd: dir }).fallback.baseURL).toBe('http://proxy.local/v1');
  });

  it('reads weft.config.json from the working directory', () => {
    const path = write('weft.config.json', { providers: [ollama] });
    const config = loadProviderConfig({ env: {}, cwd: dir });
    expect(config.source).toBe(path);
    expect(providerFor(config, 'llama3.1:8b')).toMatchObject({ name: 'ollama', baseURL: ollama.baseURL, apiKeyEnv: undefined, prices: ollama.prices });
    expect(providerFor(config, 'gpt-4o').name).toBe('simulated');
  });

  it('reads the file WEFT_CONFIG names, relative to the working directory', () => {
    write('other.json', { providers: [{ ...ollama, name: 'lab' }] });
    expect(loadProviderConfig({ env: { WEFT_CONFIG: 'other.json' }, cwd: dir }).providers[0]!.name).toBe('lab');
  });

  it('names a missing WEFT_CONFIG file', () => {
    expect(loadError({ WEFT_CONFIG: 'nope.json' }).message).toBe(`${join(dir, 'nope.json')}: WEFT_CONFIG names this file but it does not exist`);
  });

  it('names the file, and the line and column of invalid JSON', () => {
    const path = write('weft.config.json', '{\n  "providers": [,]\n}');
    const message = loadError().message;
    expect(message.startsWith(`${path}: not valid JSON at line `)).toBe(true);
    expect(message).toMatch(/line \d+, column \d+/);
  });

  it('names the file and the place of each schema problem', () => {
    const path = write('weft.config.json', { providers: [{ ...ollama, baseURL: 'ftp://x', colour: 'red' }], extra: 1 });
    const message = loadError().message;
    expect(message).toContain(`${path}: (root): unknown key "extra"`);
    expect(message).toContain(`${path}: providers[0]: unknown key "colour"`);
    expect(message).toContain(`${path}: providers[0].baseURL: must be an http(s) URL`);
  });

  it('refuses a key pasted where the variable name belongs, without repeating it', () => {
    write('weft.config.json', { providers: [{ ...ollama, apiKeyEnv: 'sk-proj-PASTED-SECRET' }] });
    const message = loadError().message;
    expect(message).toContain('providers[0].apiKeyEnv: holds what looks like an API key');
    expect(message).not.toContain('PASTED-SECRET');
  });

  it('refuses reserved names, duplicates, a model claimed twice and prices for unlisted models', () => {
    const path = write('weft.config.json', {
      providers: [
        { ...ollama, name: 'openai' },
        { ...ollama, name: 'b', prices: { ghost: { inputPerMillion: 1, outputPerMillion: 1 } } },
        { ...ollama, name: 'b', prices: {} },
      ],
    });
    const message = loadError().message;
    expect(message).toContain(`${path}: providers[0].name: "openai" and "simulated" are built in`);
    expect(message).toContain('providers[1].prices.ghost: "ghost" is priced but not in this provider\'s models');
    expect(message).toContain('providers[2].name: provider "b" is listed twice');
    expect(message).toContain('providers[1].models[0]: model "llama3.1:8b" is already served by provider "openai"');
  });

  it('parses a file text on its own', () => {
    expect(parseProviderFile(JSON.stringify({ $schema: './x.json', providers: [] }), 'mem.json')).toEqual({ $schema: './x.json', providers: [] });
    expect(() => parseProviderFile('[]', 'mem.json')).toThrow(/^mem\.json: \(root\): /);
  });
});

describe('publicProviderInfo', () => {
  it('shows names, models and the simulated flag, and no keys, key variables or addresses', () => {
    write('weft.config.json', { providers: [{ ...ollama, name: 'router', apiKeyEnv: 'ROUTER_KEY', baseURL: 'https://user:pw@router.example/v1' }] });
    const info = publicProviderInfo(loadProviderConfig({ env: { OPENAI_API_KEY: 'sk-live-SECRET', ROUTER_KEY: 'router-SECRET', OPENAI_BASE_URL: 'http://internal:9/v1' }, cwd: dir }));
    expect(info).toEqual({
      providers: [
        { name: 'router', models: ['llama3.1:8b'], simulated: false, fallback: false },
        { name: 'openai', models: [], simulated: false, fallback: true },
      ],
      simulated: false,
    });
    expect(JSON.stringify(info)).not.toMatch(/SECRET|ROUTER_KEY|OPENAI_API_KEY|router\.example|internal/);
  });

  it('says when the simulated endpoint answers', () => {
    expect(publicProviderInfo(loadProviderConfig({ env: {}, cwd: dir }))).toEqual({ providers: [{ name: 'simulated', models: [], simulated: true, fallback: true }], simulated: true });
  });
});
