import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelKind, type ModelConfig } from '../../../shared/kinds/model.ts';
import { StepFailure } from '../../engine/executor.ts';
import type { ChatMessage } from '../../engine/services.ts';
import { textReply } from '../../providers/testing/fake-openai-server.ts';
import { startFakeProvider, type FakeProvider } from '../../providers/testing/fake-provider.ts';
import { fakeStepContext } from '../../providers/testing/fake-step-context.ts';
import { countTokens } from '../../providers/tokens.ts';
import { estimateModelStep } from './model-estimate.ts';
import { modelExecutor } from './model-executor.ts';
import { promptTokenCount } from './model-prompt.ts';

const summarise: ModelConfig = { model: 'gpt-4o-mini', system: 'You summarise support tickets.', prompt: 'Summarise: {{text}}', inputs: [{ name: 'text', type: 'string' }] };
const longTicket = Array.from({ length: 400 }, (_, index) => `Line ${index}: the printer on floor ${index % 7} jams again.`).join('\n');

let provider: FakeProvider;
beforeEach(async () => {
  provider = await startFakeProvider();
});
afterEach(async () => {
  await provider.close();
});

/** Prompt tokens of what actually went over the wire, counted with the model's tokenizer. */
function sentPromptTokens(index: number): number {
  const body = provider.fake.requests[index]!.body as { messages: ChatMessage[] };
  return promptTokenCount({ countTokens }, 'gpt-4o-mini', body.messages);
}

async function failure(config: ModelConfig, text: string): Promise<StepFailure> {
  const { context } = fakeStepContext({ config, inputs: { text }, models: provider.models });
  const error = await modelExecutor.run(context).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StepFailure);
  return error as StepFailure;
}

describe('model step: context budget (maxInputTokens)', () => {
  it('fails an over-long prompt before sending anything, naming the count and the limit', async () => {
    const error = await failure({ ...summarise, maxInputTokens: 200 }, longTicket);
    expect(error.code).toBe('context');
    const full = promptTokenCount({ countTokens }, 'gpt-4o-mini', [
      { role: 'system', content: summarise.system! },
      { role: 'user', content: `Summarise: ${longTicket}` },
    ]);
    expect(error.message).toContain(`the prompt is ${full.toLocaleString('en-US')} tokens, over maxInputTokens 200`);
    expect(provider.fake.requests).toHaveLength(0);
  });

  it('sends a prompt within the limit unchanged', async () => {
    provider.fake.reply(textReply('Short.'));
    const { context, emitted } = fakeStepContext({ config: { ...summarise, maxInputTokens: 200 }, inputs: { text: 'The printer is on fire.' }, models: provider.models });
    await modelExecutor.run(context);
    expect(provider.fake.requests).toHaveLength(1);
    expect(emitted('step.log')).toEqual([]);
    expect(emitted('step.prompt')[0]!.messages[1]!.content).toBe('Summarise: The printer is on fire.');
  });

  it('truncates the named input at a token boundary, with a marker, to at most maxInputTokens, and logs what was cut', async () => {
    provider.fake.reply(textReply('A printer keeps jamming.'));
    const config: ModelConfig = { ...summarise, maxInputTokens: 300, onContextOverflow: 'truncate', truncateInput: 'text' };
    const { context, emitted } = fakeStepContext({ config, inputs: { text: longTicket }, models: provider.models });
    const outcome = await modelExecutor.run(context);
    expect(outcome).toEqual({ type: 'outputs', outputs: { result: 'A printer keeps jamming.' } });
    expect(provider.fake.requests).toHaveLength(1);
    const sent = sentPromptTokens(0);
    expect(sent).toBeLessThanOrEqual(300);
    expect(sent).toBeGreaterThan(250); // cut to fit, not cut to nothing
    const user = (provider.fake.requests[0]!.body as { messages: ChatMessage[] }).messages.at(-1)!.content;
    expect(user.startsWith('Summarise: Line 0: the printer')).toBe(true);
    expect(user).toMatch(/\[… [\d,]+ tokens cut by Weft to fit maxInputTokens\]$/);
    const kept = user.slice('Summarise: '.length, user.indexOf('\n[…'));
    expect(longTicket.startsWith(kept)).toBe(true);
    const logs = emitted('step.log');
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ level: 'warn' });
    expect(logs[0]!.text).toContain(`input "text" truncated to fit maxInputTokens 300: kept ${kept.length} of ${longTicket.length} characters`);
  });

  it('never sends half a character where the cut falls inside one', async () => {
    provider.fake.reply(textReply('ok'));
    const config: ModelConfig = { ...summarise, maxInputTokens: 60, onContextOverflow: 'truncate', truncateInput: 'text' };
    const { context } = fakeStepContext({ config, inputs: { text: '🖨️🔥 '.repeat(200) }, models: provider.models });
    await modelExecutor.run(context);
    expect(sentPromptTokens(0)).toBeLessThanOrEqual(60);
    expect((provider.fake.requests[0]!.body as { messages: ChatMessage[] }).messages.at(-1)!.content).not.toContain('\uFFFD');
  });

  it('fails when even an empty input leaves the prompt over the limit', async () => {
    const error = await failure({ ...summarise, system: 'You summarise support tickets. '.repeat(20), maxInputTokens: 40, onContextOverflow: 'truncate', truncateInput: 'text' }, longTicket);
    expect(error.code).toBe('context');
    expect(error.message).toMatch(/even with input "text" cut to nothing the prompt is \d+ tokens/);
    expect(provider.fake.requests).toHaveLength(0);
  });

  it('is counted by the estimate: truncated to the limit, or too long', () => {
    const request = { nodeId: 'summary', inputs: { text: longTicket }, models: provider.models, resolve: (model: string) => provider.models.resolve(model), estimateCall: () => undefined };
    const truncated = estimateModelStep({ ...request, config: { ...summarise, maxInputTokens: 300, onContextOverflow: 'truncate', truncateInput: 'text' } });
    expect(truncated).toMatchObject({ maxInputTokens: 300, context: 'truncated' });
    expect(truncated.promptTokens).toBeLessThanOrEqual(300);
    const tooLong = estimateModelStep({ ...request, config: { ...summarise, maxInputTokens: 300 } });
    expect(tooLong).toMatchObject({ maxInputTokens: 300, context: 'too-long' });
    expect(tooLong.promptTokens).toBeGreaterThan(300);
  });

  it('refuses a truncate setting that names no text input, at its path', () => {
    const parse = (config: Partial<ModelConfig>) => modelKind.configSchema.safeParse({ ...summarise, ...config });
    const missing = parse({ maxInputTokens: 10, onContextOverflow: 'truncate' });
    expect(missing.success).toBe(false);
    expect(missing.error!.issues[0]).toMatchObject({ path: ['truncateInput'] });
    const unknown = parse({ maxInputTokens: 10, onContextOverflow: 'truncate', truncateInput: 'body' });
    expect(unknown.error!.issues[0]!.message).toContain('"body" is not one of this step\'s inputs (text)');
    const noLimit = parse({ onContextOverflow: 'fail' });
    expect(noLimit.error!.issues[0]).toMatchObject({ path: ['onContextOverflow'] });
    expect(parse({ maxInputTokens: 10, onContextOverflow: 'truncate', truncateInput: 'text' }).success).toBe(true);
  });
});
