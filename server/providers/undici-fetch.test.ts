/** `WEFT_MODEL_FETCH=undici`: the SDK sends through undici's fetch, streaming and cancelling as usual. */
import { afterEach, describe, expect, it } from 'vitest';
import { StepFailure } from '../engine/executor.ts';
import type { ModelRequest, ModelStreamPart } from '../engine/services.ts';
import { textReply } from './testing/fake-openai-server.ts';
import { startFakeProvider, type FakeProvider } from './testing/fake-provider.ts';

let provider: FakeProvider | undefined;
afterEach(async () => {
  await provider?.close();
  provider = undefined;
});

function ask(signal = new AbortController().signal): ModelRequest {
  return { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }], maxTokens: 50, signal };
}

async function collect(parts: AsyncIterable<ModelStreamPart>): Promise<ModelStreamPart[]> {
  const all: ModelStreamPart[] = [];
  for await (const part of parts) all.push(part);
  return all;
}

describe('WEFT_MODEL_FETCH', () => {
  it('undici: streams a reply through undici (its own request headers show), keep-alive', async () => {
    provider = await startFakeProvider({ env: { WEFT_MODEL_FETCH: 'undici' } });
    provider.fake.reply(textReply('Hello'), textReply('again'));
    const first = await collect(provider.models.stream(ask()));
    const second = await collect(provider.models.stream(ask()));
    const text = (parts: ModelStreamPart[]): string => parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join('');
    expect([text(first), text(second)]).toEqual(['Hello', 'again']);
    expect(provider.fake.requests.map((request) => request.headers['sec-fetch-mode'])).toEqual(['cors', 'cors']);
    expect(provider.fake.requests[1]!.headers.connection).toBe('keep-alive');
  });

  it('by default: Weft\'s own node:http fetch (no fetch-spec headers)', async () => {
    provider = await startFakeProvider();
    provider.fake.reply(textReply('Hello'));
    await collect(provider.models.stream(ask()));
    expect(provider.fake.requests[0]!.headers['sec-fetch-mode']).toBeUndefined();
  });

  it('undici: a cancelled step stops the request with a cancelled failure', async () => {
    provider = await startFakeProvider({ env: { WEFT_MODEL_FETCH: 'undici' } });
    provider.fake.reply({ kind: 'hang' });
    const controller = new AbortController();
    const parts = collect(provider.models.stream(ask(controller.signal)));
    await provider.fake.waitForRequests(1);
    controller.abort();
    await expect(parts).rejects.toBeInstanceOf(StepFailure);
    await provider.fake.requests[0]!.closed;
  });
});
