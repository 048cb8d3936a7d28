import { describe, expect, it } from 'vitest';
import type { Flow } from '../shared/flow.ts';
import { costUsd, OPENAI_PRICES } from '../shared/pricing.ts';
import { estimateFlow } from './estimate.ts';
import { providerConfigFrom } from './providers/config.ts';
import { buildModelMessages, promptTokenCount } from './executors/model/model-prompt.ts';
import { createModelService } from './providers/openai-model-service.ts';
import { wireFormatFor } from './executors/model/wire-format.ts';

const models = createModelService({ config: providerConfigFrom(undefined, { OPENAI_API_KEY: 'sk-estimate' }), env: {} });

const node = (id: string, kind: string, config: Record<string, unknown>) => ({ id, kind, position: { x: 0, y: 0 }, config });

function flow(budgetUsd?: number): Flow {
  return {
    schemaVersion: 1,
    id: 'triage',
    name: 'Triage',
    ...(budgetUsd !== undefined ? { settings: { budgetUsd } } : {}),
    nodes: [
      node('ticket', 'input', { fields: [{ name: 'text', type: 'string' }] }),
      node('classify', 'model', {
        model: 'gpt-4o-mini',
        prompt: 'Classify this ticket: {{text}}',
        inputs: [{ name: 'text', type: 'string' }],
        output: { type: 'json', schema: { type: 'object', properties: { category: { type: 'string' } }, required: ['category'], additionalProperties: false } },
        allowUnsure: true,
      }),
      node('reply', 'model', { model: 'gpt-4.1', system: 'Be kind.', prompt: 'Reply to a {{category}} ticket', inputs: [{ name: 'category', type: 'json' }], maxTokens: 400 }),
      node('local', 'model', { model: 'homebrew-7b', prompt: 'Hi', inputs: [] }),
      node('shape', 'code', { language: 'javascript', source: 'export default () => ({})', inputs: [], outputs: [] }),
      node('out', 'output', { fields: [{ name: 'answer', type: 'string' }] }),
    ],
    edges: [
      { from: 'ticket.text', to: 'classify.text' },
      { from: 'classify.result', to: 'reply.category' },
      { from: 'reply.result', to: 'out.answer' },
    ],
  };
}

describe('estimateFlow', () => {
  it('prices each model step at its prompt tokens and token cap, and nothing else', () => {
    const estimate = estimateFlow(flow(), models, { text: 'I was charged twice for my order' });
    expect(estimate.steps.map((step) => step.nodeId)).toEqual(['classify', 'reply', 'local']);
    const classify = estimate.steps[0]!;
    const config = flow().nodes[1]!.config as never;
    const format = wireFormatFor(config);
    const expectedTokens = promptTokenCount(models, 'gpt-4o-mini', buildModelMessages(config, { text: 'I was charged twice for my order' }, format), format.responseSchema);
    expect(classify).toEqual({
      nodeId: 'classify',
      model: 'gpt-4o-mini',
      simulated: false,
      promptTokens: expectedTokens,
      maxTokens: 1024,
      worstCaseUsd: costUsd({ inputTokens: expectedTokens, outputTokens: 1024 }, OPENAI_PRICES['gpt-4o-mini']!),
    });
    expect(estimate.steps[1]).toMatchObject({ model: 'gpt-4.1', maxTokens: 400 });
    expect(estimate.steps[2]).toMatchObject({ model: 'homebrew-7b', worstCaseUsd: null });
    expect(estimate.unpricedSteps).toEqual(['local']);
    expect(estimate.totalUsd).toBeCloseTo(classify.worstCaseUsd! + estimate.steps[1]!.worstCaseUsd!, 15);
    expect(estimate.fitsBudget).toBeNull();
    expect(estimate).not.toHaveProperty('budgetUsd');
  });

  it('renders wired run inputs and counts placeholders for what is not known yet', () => {
    const long = 'word '.repeat(500);
    const withInput = estimateFlow(flow(), models, { text: long }).steps[0]!;
    const without = estimateFlow(flow(), models).steps[0]!;
    expect(withInput.promptTokens - without.promptTokens).toBeGreaterThan(400);
    const reply = estimateFlow(flow(), models, { text: long }).steps[1]!;
    expect(reply.promptTokens).toBe(promptTokenCount(models, 'gpt-4.1', [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Reply to a {{category}} ticket' }]));
  });

  it('says whether the worst case fits the budget; an unpriced step never fits one', () => {
    const priced = { ...flow(1), nodes: flow(1).nodes.filter((n) => n.id !== 'local') };
    expect(estimateFlow(priced, models)).toMatchObject({ budgetUsd: 1, fitsBudget: true });
    expect(estimateFlow({ ...priced, settings: { budgetUsd: 0.0001 } }, models).fitsBudget).toBe(false);
    expect(estimateFlow(flow(1), models).fitsBudget).toBe(false);
  });

  it('marks steps answered by the simulated endpoint', () => {
    const simulated = createModelService({ config: providerConfigFrom(undefined, {}), env: {} });
    const estimate = estimateFlow(flow(), simulated);
    expect(estimate.steps[0]).toMatchObject({ simulated: true });
    expect(estimate.steps[0]!.worstCaseUsd).toBeGreaterThan(0);
  });
});
