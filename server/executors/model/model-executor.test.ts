import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../../shared/kinds/model.ts';
import { costUsd, OPENAI_PRICES } from '../../../shared/pricing.ts';
import { StepFailure } from '../../engine/executor.ts';
import { publicProviderInfo } from '../../providers/public-provider-info.ts';
import { textReply } from '../../providers/testing/fake-openai-server.ts';
import { startFakeProvider, TEST_API_KEY, type FakeProvider } from '../../providers/testing/fake-provider.ts';
import { fakeStepContext, type FakeStepContextOptions } from '../../providers/testing/fake-step-context.ts';
import { modelExecutor } from './model-executor.ts';

const summarise: ModelConfig = { model: 'gpt-4o-mini', system: 'You summarise support tickets.', prompt: 'Summarise: {{text}}', inputs: [{ name: 'text', type: 'string' }] };

let provider: FakeProvider;
beforeEach(async () => {
  provider = await startFakeProvider();
});
afterEach(async () => {
  await provider.close();
});

function step(config: ModelConfig = summarise, options: Partial<FakeStepContextOptions<ModelConfig>> = {}) {
  return fakeStepContext({ config, inputs: { text: 'The printer is on fire.' }, models: provider.models, ...options });
}

async function runFailing(context: Parameters<typeof modelExecutor.run>[0]): Promise<StepFailure> {
  try {
    await modelExecutor.run(context);
  } catch (error) {
    expect(error).toBeInstanceOf(StepFailure);
    return error as StepFailure;
  }
  throw new Error('expected the step to fail');
}

describe('model step: text', () => {
  it('streams deltas, returns the whole text on result, and settles cost from the usage', async () => {
    provider.fake.reply(textReply('A printer caught fire.', { usage: { prompt_tokens: 1000, completion_tokens: 500, cached_tokens: 200 } }));
    const { context, emitted } = step();
    const outcome = await modelExecutor.run(context);

    expect(outcome).toEqual({ type: 'outputs', outputs: { result: 'A printer caught fire.' } });
    expect(emitted('step.delta').map((delta) => delta.text).join('')).toBe('A printer caught fire.');
    expect(emitted('step.prompt')).toEqual([
      {
        type: 'step.prompt',
        model: 'gpt-4o-mini',
        simulated: false,
        messages: [
          { role: 'system', content: 'You summarise support tickets.' },
          { role: 'user', content: 'Summarise: The printer is on fire.' },
        ],
      },
    ]);
    const final = emitted('step.cost').filter((cost) => cost.final);
    expect(final).toHaveLength(1);
    expect(final[0]).toMatchObject({ model: 'gpt-4o-mini', inputTokens: 1000, cachedInputTokens: 200, outputTokens: 500, final: true, simulated: false });
    expect(final[0]!.usd).toBeCloseTo(costUsd({ inputTokens: 1000, cachedInputTokens: 200, outputTokens: 500 }, OPENAI_PRICES['gpt-4o-mini']!), 12);
    expect(final[0]!.usd).toBeCloseTo((800 * 0.15 + 200 * 0.075 + 500 * 0.6) / 1e6, 12);
  });

  it('sends the node settings: token cap, temperature, retries', async () => {
    provider.fake.reply(textReply('ok'));
    const { context } = step({ ...summarise, maxTokens: 77, temperature: 0.3 });
    await modelExecutor.run(context);
    expect(provider.fake.requests[0]!.body).toMatchObject({ max_completion_tokens: 77, temperature: 0.3, stream: true, stream_options: { include_usage: true } });
  });

  it('reports estimated cost while tokens arrive, then the final cost', async () => {
    const words = Array.from({ length: 60 }, (_, index) => ` word${index}`);
    // Spaced as a model streams them, so each chunk is its own batch (see stream-batch.ts).
    provider.fake.reply({ kind: 'text', chunks: words, usage: { prompt_tokens: 30, completion_tokens: 120 }, chunkDelayMs: 3 });
    const { context, emitted } = step();
    await modelExecutor.run(context);
    const costs = emitted('step.cost');
    const estimates = costs.filter((cost) => !cost.final);
    expect(estimates.length).toBeGreaterThanOrEqual(2);
    expect(estimates.every((cost) => cost.usd !== null && cost.usd > 0)).toBe(true);
    expect(estimates.map((cost) => cost.outputTokens)).toEqual([...estimates.map((cost) => cost.outputTokens)].sort((a, b) => a - b));
    expect(costs.at(-1)).toMatchObject({ final: true, inputTokens: 30, outputTokens: 120 });
  });

  it('merges chunks that arrive together into fewer deltas with the same text, and one cost', async () => {
    const words = Array.from({ length: 60 }, (_, index) => ` word${index}`);
    // A model that answers after a pause, all at once (the meter's 100 ms estimate is due at the first token).
    provider.fake.reply({ kind: 'text', chunks: words, usage: { prompt_tokens: 30, completion_tokens: 120 }, delayMs: 150 });
    const { context, emitted, emissions } = step();
    const outcome = await modelExecutor.run(context);
    expect(outcome).toEqual({ type: 'outputs', outputs: { result: words.join('') } });
    expect(emitted('step.delta').map((delta) => delta.text).join('')).toBe(words.join(''));
    expect(emitted('step.delta').length).toBeLessThan(words.length / 2);
    // The running estimate of a batch is replaced by the final cost that came in the same batch.
    const costs = emitted('step.cost');
    expect(costs.filter((cost) => !cost.final).length).toBeLessThan(emitted('step.delta').length);
    expect(costs.at(-1)).toMatchObject({ final: true, inputTokens: 30, outputTokens: 120 });
    // Text before the cost it was counted in, the prompt first.
    expect(emissions[0]!.type).toBe('step.prompt');
    expect(emissions.at(-1)!.type).toBe('step.cost');
  });

  it('keeps streaming deltas as they come when chunks are spaced', async () => {
    const words = Array.from({ length: 8 }, (_, index) => ` word${index}`);
    provider.fake.reply({ kind: 'text', chunks: words, chunkDelayMs: 15 });
    const { context, emitted } = step();
    await modelExecutor.run(context);
    const deltas = emitted('step.delta').map((delta) => delta.text);
    expect(deltas.join('')).toBe(words.join(''));
    expect(deltas.length).toBeGreaterThan(4);
  });

  it('settles from counted tokens when the server sends no usage', async () => {
    provider.fake.reply(textReply('Hello world', { usage: null }));
    const { context, emitted } = step();
    await modelExecutor.run(context);
    const final = emitted('step.cost').at(-1)!;
    expect(final.final).toBe(true);
    expect(final.outputTokens).toBe(provider.models.countTokens('gpt-4o-mini', 'Hello world'));
    expect(final.inputTokens).toBeGreaterThan(10);
  });
});

  it('counts the prompt once: the count made to fit the context budget is the one reserved and billed', async () => {
    provider.fake.reply(textReply('fine', { usage: null }));
    const counted: string[] = [];
    const models = { ...provider.models, countTokens: (model: string, text: string) => (counted.push(text), provider.models.countTokens(model, text)) };
    const { context, emitted } = step(summarise, { models, budgetUsd: 1 });
    await modelExecutor.run(context);
    expect(counted.filter((text) => text === 'Summarise: The printer is on fire.')).toHaveLength(1);
    const expected = 3 + 4 + provider.models.countTokens('gpt-4o-mini', 'You summarise support tickets.') + 4 + provider.models.countTokens('gpt-4o-mini', 'Summarise: The printer is on fire.');
    expect(emitted('step.cost').at(-1)).toMatchObject({ final: true, inputTokens: expected });
  });

describe('model step: budget', () => {
  it('fails before sending anything when the worst case does not fit', async () => {
    const { context, budget } = step({ ...summarise, maxTokens: 10_000 }, { budgetUsd: 0.001, spentElsewhereUsd: 0.0004 });
    const error = await runFailing(context);
    expect(provider.fake.requests).toHaveLength(0);
    expect(error.code).toBe('budget');
    expect(error.message).toMatch(/^budget exceeded: spent \$0\.00040 of \$0\.0010, this step needs up to \$0\.006\d$/);
    expect(budget.heldUsd()).toBe(0);
  });

  it('reserves the worst case while running and releases it afterwards', async () => {
    provider.fake.reply(textReply('fine', { usage: { prompt_tokens: 20, completion_tokens: 2 } }));
    const { context, budget } = step({ ...summarise, maxTokens: 100 }, { budgetUsd: 1 });
    await modelExecutor.run(context);
    expect(budget.requests).toHaveLength(1);
    const promptTokens = (budget.requests[0]! - 100 * 0.6e-6) / 0.15e-6;
    expect(promptTokens).toBeGreaterThan(10);
    expect(budget.heldUsd()).toBe(0);
    expect(budget.spentUsd()).toBeCloseTo((20 * 0.15 + 2 * 0.6) / 1e6, 12);
  });

  it('refuses an unpriced model under a budget, and runs it without one at usd null', async () => {
    const unpriced = { ...summarise, model: 'mystery-model' };
    const refused = await runFailing(step(unpriced, { budgetUsd: 1 }).context);
    expect(refused.code).toBe('budget');
    expect(refused.message).toContain('"mystery-model" has no known price');
    expect(provider.fake.requests).toHaveLength(0);

    provider.fake.reply(textReply('ok', { usage: { prompt_tokens: 5, completion_tokens: 1 } }));
    const free = step(unpriced);
    await modelExecutor.run(free.context);
    expect(free.emitted('step.cost').at(-1)).toMatchObject({ usd: null, final: true, inputTokens: 5 });
  });
});

describe('model step: provider failures', () => {
  it('retries 429s until one succeeds', async () => {
    provider.fake.reply({ kind: 'status', status: 429 }, { kind: 'status', status: 429 }, textReply('made it'));
    const { context } = step();
    const outcome = await modelExecutor.run(context);
    expect(outcome).toEqual({ type: 'outputs', outputs: { result: 'made it' } });
    expect(provider.fake.requests).toHaveLength(3);
  });

  it('fails a persistent 500 within its retry bound', async () => {
    for (let i = 0; i < 5; i++) provider.fake.reply({ kind: 'status', status: 500 });
    const { context, budget } = step({ ...summarise, retries: 1 }, { budgetUsd: 1 });
    const error = await runFailing(context);
    expect(provider.fake.requests).toHaveLength(2);
    expect(error).toMatchObject({ code: 'provider', retryable: true });
    expect(error.message).toContain('provider "openai" answered 500');
    expect(budget.heldUsd()).toBe(0);
  });

  it('does not retry a 400', async () => {
    provider.fake.reply({ kind: 'status', status: 400, message: 'bad' }, textReply('never'));
    const { context, emitted } = step();
    const error = await runFailing(context);
    expect(provider.fake.requests).toHaveLength(1);
    expect(error).toMatchObject({ code: 'provider', retryable: false });
    expect(emitted('step.cost')).toHaveLength(0);
  });

  it('registers what it spent so far, which the engine asks for when it stops the step mid-stream', async () => {
    provider.fake.reply(textReply('streaming on and on and on', { chunkDelayMs: 15, hangAfterChunks: true }));
    const controller = new AbortController();
    const fake = step(summarise, { signal: controller.signal });
    let atStop: ReturnType<typeof fake.costOnStop>;
    let deltas = 0;
    const original = fake.context.emit;
    fake.context.emit = (emission) => {
      original(emission);
      // Stop at the second delta: the first one has been counted by then.
      if (emission.type === 'step.delta' && ++deltas === 2) {
        atStop = fake.costOnStop();
        controller.abort();
      }
    };
    await runFailing(fake.context);
    expect(atStop).toMatchObject({ type: 'step.cost', final: false });
    expect(atStop!.inputTokens).toBeGreaterThan(0);
    expect(atStop!.outputTokens).toBeGreaterThan(0);
    expect(fake.costOnStop()).toBeUndefined();
  });

  it('aborts the in-flight stream when the step is cancelled', async () => {
    provider.fake.reply(textReply('streaming on and on and on', { chunkDelayMs: 15, hangAfterChunks: true }));
    const controller = new AbortController();
    const { context, emissions, budget } = step(summarise, { signal: controller.signal, budgetUsd: 1 });
    const original = context.emit;
    context.emit = (emission) => {
      original(emission);
      if (emission.type === 'step.delta') controller.abort();
    };
    const error = await runFailing(context);
    expect(error.code).toBe('cancelled');
    await provider.fake.requests[0]!.closed;
    expect(provider.fake.requests[0]!.closedByClient).toBe(true);
    expect(emissions.filter((emission) => emission.type === 'step.cost').at(-1)).toMatchObject({ final: true });
    expect(budget.heldUsd()).toBe(0);
  });
});

describe('model step: secrets', () => {
  it('never lets the API key into an emission, an error or the public provider info', async () => {
    provider.fake.reply(textReply('fine'), { kind: 'status', status: 401, message: `Incorrect API key provided: ${TEST_API_KEY}` });
    const ok = step();
    await modelExecutor.run(ok.context);
    const failed = step();
    const error = await runFailing(failed.context);

    const everything = JSON.stringify([ok.emissions, failed.emissions, error.message, error.toStepError(), String(error.stack), publicProviderInfo(provider.config)]);
    expect(everything).not.toContain(TEST_API_KEY);
    expect(everything).not.toContain('do-not-leak');
    expect(JSON.stringify(publicProviderInfo(provider.config))).not.toContain('127.0.0.1');
  });
});
