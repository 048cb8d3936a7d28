import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ModelStreamPart } from '../engine/services.ts';
import { startProviders, type Providers } from './index.ts';

let providers: Providers | undefined;
const dir = mkdtempSync(join(tmpdir(), 'weft-providers-'));
afterEach(async () => {
  await providers?.close();
  providers = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startProviders', () => {
  it('without a key, answers every model from the simulated endpoint it starts', async () => {
    providers = await startProviders({ env: {}, cwd: dir, chunkDelayMs: 0 });
    expect(providers.info.simulated).toBe(true);
    const parts: ModelStreamPart[] = [];
    for await (const part of providers.models.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], maxTokens: 100, signal: new AbortController().signal })) parts.push(part);
    expect(parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join('')).toMatch(/simulated/);
    expect(parts.some((part) => part.type === 'usage')).toBe(true);
  });

  it('with a key, starts no endpoint and routes to openai', async () => {
    providers = await startProviders({ env: { OPENAI_API_KEY: 'sk-x' }, cwd: dir });
    expect(providers.info.simulated).toBe(false);
    expect(providers.models.resolve('gpt-4o')).toMatchObject({ provider: 'openai', simulated: false });
  });
});
