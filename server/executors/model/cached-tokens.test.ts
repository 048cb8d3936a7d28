/** Cached prompt tokens: reported by the provider, priced at the cached rate, and what they saved kept in the run state. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEventBody } from '../../../shared/events.ts';
import type { ModelConfig } from '../../../shared/kinds/model.ts';
import { OPENAI_PRICES } from '../../../shared/pricing.ts';
import { foldEvents } from '../../../shared/run-state.ts';
import { numbered, triageRunFlow } from '../../../shared/testing/run-events.ts';
import { textReply } from '../../providers/testing/fake-openai-server.ts';
import { startFakeProvider, type FakeProvider } from '../../providers/testing/fake-provider.ts';
import { fakeStepContext } from '../../providers/testing/fake-step-context.ts';
import { modelExecutor } from './model-executor.ts';

const config: ModelConfig = { model: 'gpt-4o-mini', prompt: 'Summarise: {{text}}', inputs: [{ name: 'text', type: 'string' }] };
const price = OPENAI_PRICES['gpt-4o-mini']!;

let provider: FakeProvider;
beforeEach(async () => {
  provider = await startFakeProvider();
});
afterEach(async () => {
  await provider.close();
});

describe('cached input tokens', () => {
  it('are reported with what they saved, and summed over attempts in the run state', async () => {
    provider.fake.reply(textReply('One.', { usage: { prompt_tokens: 2000, completion_tokens: 10, cached_tokens: 1536 } }));
    const { context, emitted } = fakeStepContext({ config, inputs: { text: 'x' }, models: provider.models });
    await modelExecutor.run(context);
    const final = emitted('step.cost').find((cost) => cost.final)!;
    const saving = (1536 * (price.inputPerMillion - price.cachedInputPerMillion!)) / 1e6;
    expect(final.cachedInputTokens).toBe(1536);
    expect(final.cachedSavingUsd).toBeCloseTo(saving, 12);

    const cost = { ...final, nodeId: 'classify' } as RunEventBody;
    const state = foldEvents(
      numbered([
        { type: 'run.started', flowId: 'triage', flowHash: 'h', flow: triageRunFlow(), inputs: { text: 'x' } },
        { type: 'step.started', nodeId: 'classify', attempt: 1, inputs: { text: 'x' } },
        cost,
        { type: 'step.started', nodeId: 'classify', attempt: 2, inputs: { text: 'x' } },
        cost,
      ]),
    );
    expect(state.steps.classify!.cachedInputTokens).toBe(3072);
    expect(state.steps.classify!.cachedSavingUsd).toBeCloseTo(2 * saving, 12);
  });

  it('are not shown when the provider cached nothing', async () => {
    provider.fake.reply(textReply('One.', { usage: { prompt_tokens: 2000, completion_tokens: 10 } }));
    const { context, emitted } = fakeStepContext({ config, inputs: { text: 'x' }, models: provider.models });
    await modelExecutor.run(context);
    const final = emitted('step.cost').find((cost) => cost.final)!;
    expect(final.cachedSavingUsd).toBeUndefined();
  });
});
