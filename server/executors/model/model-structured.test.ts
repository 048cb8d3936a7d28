import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../../shared/kinds/model.ts';
import { StepFailure } from '../../engine/executor.ts';
import { textReply } from '../../providers/testing/fake-openai-server.ts';
import { startFakeProvider, type FakeProvider } from '../../providers/testing/fake-provider.ts';
import { fakeStepContext } from '../../providers/testing/fake-step-context.ts';
import { modelExecutor } from './model-executor.ts';

const ticketSchema = {
  type: 'object',
  properties: { category: { type: 'string', enum: ['billing', 'bug', 'other'] }, urgent: { type: 'boolean' } },
  required: ['category', 'urgent'],
  additionalProperties: false,
};

const classify: ModelConfig = {
  model: 'gpt-4o-mini',
  prompt: 'Classify this ticket: {{text}}',
  inputs: [{ name: 'text', type: 'string' }],
  output: { type: 'json', schema: ticketSchema },
};

let provider: FakeProvider;
beforeEach(async () => {
  provider = await startFakeProvider();
});
afterEach(async () => {
  await provider.close();
});

function step(config: ModelConfig, budgetUsd?: number) {
  return fakeStepContext({ config, inputs: { text: 'I was charged twice' }, models: provider.models, ...(budgetUsd !== undefined ? { budgetUsd } : {}) });
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

describe('model step: structured output', () => {
  it('sends the schema as a strict json_schema and puts the parsed value on result', async () => {
    provider.fake.reply(textReply('{"category":"billing","urgent":true}'));
    const { context } = step(classify);
    const outcome = await modelExecutor.run(context);
    expect(outcome).toEqual({ type: 'outputs', outputs: { result: { category: 'billing', urgent: true } } });
    expect(provider.fake.requests[0]!.body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'result', schema: ticketSchema, strict: true } });
  });

  it('sends a schema outside the strict subset with strict false, and shows it in the instruction', async () => {
    const loose = { type: 'object', properties: { category: { type: 'string' } }, required: ['category'] };
    provider.fake.reply(textReply('{"category":"bug"}'));
    const { context } = step({ ...classify, output: { type: 'json', schema: loose } });
    expect(await modelExecutor.run(context)).toEqual({ type: 'outputs', outputs: { result: { category: 'bug' } } });
    const body = provider.fake.requests[0]!.body;
    expect(body.response_format.json_schema.strict).toBe(false);
    expect(body.messages[0].content).toContain(JSON.stringify(loose));
  });

  it('wraps a non-object schema in an object and unwraps the reply', async () => {
    const tags = { type: 'array', items: { type: 'string' }, minItems: 1 };
    provider.fake.reply(textReply('{"value":["refund","card"]}'));
    const { context } = step({ ...classify, output: { type: 'json', schema: tags } });
    expect(await modelExecutor.run(context)).toEqual({ type: 'outputs', outputs: { result: ['refund', 'card'] } });
    expect(provider.fake.requests[0]!.body.response_format.json_schema).toEqual({ name: 'result', strict: true, schema: { type: 'object', properties: { value: tags }, required: ['value'], additionalProperties: false } });
  });

  it('asks once for a correction and fails naming the path when the reply still breaks the schema', async () => {
    provider.fake.reply(textReply('{"category":"refund","urgent":true}'), textReply('{"category":"money","urgent":false}'), textReply('{"category":"billing","urgent":false}'));
    const { context, emitted } = step(classify);
    const error = await runFailing(context);
    expect(provider.fake.requests).toHaveLength(2);
    expect(error.code).toBe('schema');
    expect(error.message).toMatch(/^reply breaks the output schema at \/category: /);
    const retry = provider.fake.requests[1]!.body.messages;
    expect(retry.at(-2)).toEqual({ role: 'assistant', content: '{"category":"refund","urgent":true}' });
    expect(retry.at(-1).role).toBe('user');
    expect(retry.at(-1).content).toContain('/category');
    expect(emitted('step.log')[0]).toMatchObject({ level: 'warn' });
    expect(emitted('step.prompt')).toHaveLength(2);
  });

  it('succeeds when the corrective request fixes the reply, with the cost of both requests', async () => {
    provider.fake.reply(textReply('not json at all', { usage: { prompt_tokens: 100, completion_tokens: 10 } }), textReply('{"category":"bug","urgent":false}', { usage: { prompt_tokens: 130, completion_tokens: 12 } }));
    const { context, emitted, budget } = step(classify, 1);
    expect(await modelExecutor.run(context)).toEqual({ type: 'outputs', outputs: { result: { category: 'bug', urgent: false } } });
    expect(provider.fake.requests).toHaveLength(2);
    expect(emitted('step.cost').at(-1)).toMatchObject({ final: true, inputTokens: 230, outputTokens: 22 });
    expect(budget.requests).toHaveLength(2);
    expect(budget.heldUsd()).toBe(0);
  });

  it('does not ask for a correction of a reply cut off at maxTokens', async () => {
    provider.fake.reply(textReply('{"category":"bi', { finishReason: 'length' }));
    const error = await runFailing(step({ ...classify, maxTokens: 5 }).context);
    expect(provider.fake.requests).toHaveLength(1);
    expect(error.code).toBe('schema');
    expect(error.message).toContain('cut off at maxTokens 5');
  });
});

describe('model step: unsure', () => {
  const unsureClassify: ModelConfig = { ...classify, allowUnsure: true };

  it('routes an unsure reply to the unsure port, and result does not fire', async () => {
    provider.fake.reply(textReply('{"outcome":{"status":"unsure","reason":"The ticket does not say what was bought."}}'));
    const { context } = step(unsureClassify);
    const outcome = await modelExecutor.run(context);
    expect(outcome).toEqual({ type: 'outputs', outputs: { unsure: 'The ticket does not say what was bought.' } });
    expect(outcome.type === 'outputs' && 'result' in outcome.outputs).toBe(false);
  });

  it('sends the answer-or-unsure wire schema, strict, with an instruction on when to be unsure', async () => {
    provider.fake.reply(textReply('{"outcome":{"status":"answer","value":{"category":"bug","urgent":true}}}'));
    const { context } = step(unsureClassify);
    expect(await modelExecutor.run(context)).toEqual({ type: 'outputs', outputs: { result: { category: 'bug', urgent: true } } });
    const body = provider.fake.requests[0]!.body;
    expect(body.response_format.json_schema.strict).toBe(true);
    expect(body.response_format.json_schema.schema.properties.outcome.anyOf[0].properties.value).toEqual(ticketSchema);
    expect(body.messages[0]).toMatchObject({ role: 'system' });
    expect(body.messages[0].content).toContain('"unsure"');
  });

  it('lets a plain-text step be unsure too', async () => {
    provider.fake.reply(textReply('{"outcome":{"status":"answer","value":"A double charge."}}'));
    const { context } = step({ ...unsureClassify, output: { type: 'string' } });
    expect(await modelExecutor.run(context)).toEqual({ type: 'outputs', outputs: { result: 'A double charge.' } });
  });

  it('checks the answer inside the envelope against the result schema, path relative to the result', async () => {
    provider.fake.reply(textReply('{"outcome":{"status":"answer","value":{"category":"x","urgent":true}}}'), textReply('{"outcome":{"status":"answer","value":{"category":"y","urgent":true}}}'));
    const error = await runFailing(step(unsureClassify).context);
    expect(error.message).toMatch(/^reply breaks the output schema at \/category: /);
    expect(provider.fake.requests[1]!.body.messages.at(-1).content).toContain('/outcome/value/category');
  });
});
