/**
 * The parent's budget bounds its children: a model step inside a child run that would exceed what
 * the parent has left is refused before it spends, counted on a local OpenAI-compatible server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../shared/events.ts';
import { flow } from '../../../shared/testing/flow-builder.ts';
import { InMemoryChildRuns } from '../../child-runs/in-memory-child-runs.ts';
import { prepared } from '../../child-runs/testing/compose-flows.ts';
import { startRun } from '../../engine/index.ts';
import { providerConfigFrom } from '../../providers/config.ts';
import { createModelService } from '../../providers/openai-model-service.ts';
import { startFakeOpenAIServer, textReply, type FakeOpenAIServer } from '../../providers/testing/fake-openai-server.ts';
import { executors } from '../index.ts';

let fake: FakeOpenAIServer;
beforeAll(async () => {
  fake = await startFakeOpenAIServer(() => textReply('fine', { usage: { prompt_tokens: 10, completion_tokens: 5 } }));
});
afterAll(() => fake.close());

const child = flow('ask-child', 'Ask')
  .input('in', { text: 'string' })
  .model('ask', { maxTokens: 1000, retries: 0 })
  .output('out', { answer: 'string' })
  .wire('in.text', 'ask.text')
  .wire('ask.result', 'out.answer')
  .build();

function parent(budgetUsd: number) {
  return flow('budgeted', 'Budgeted')
    .with({ settings: { budgetUsd } })
    .input('in', { text: 'string' })
    .model('first', { maxTokens: 100, retries: 0 })
    .node({ id: 'call', kind: 'subflow', config: { flow: 'ask-child' } })
    .output('out', { answer: 'string' })
    .wire('in.text', 'first.text')
    .wire('first.result', 'call.text')
    .wire('call.answer', 'out.answer')
    .build();
}

async function runParent(budgetUsd: number) {
  const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL };
  const models = createModelService({ config: providerConfigFrom(undefined, env), env });
  const childEvents: RunEvent[] = [];
  const events: RunEvent[] = [];
  const children = new InMemoryChildRuns({ executors, services: { models }, onEvent: (event) => childEvents.push(event) });
  const { flow: ready, link } = await prepared(parent(budgetUsd), [child]);
  const run = startRun('run-budget', ready, { text: 'hello' }, { executors, services: { models, children }, onEvent: (event) => events.push(event) }, link);
  return { status: await run.finished(), events, childEvents };
}

describe("a child run under its parent's budget", () => {
  it('is refused before it spends when its step needs more than the parent has left', async () => {
    const before = fake.requests.length;
    // The child's model step may cost up to 1000 output tokens ($0.0006): more than the parent's $0.0005 allows.
    const { status, events, childEvents } = await runParent(0.0005);
    expect(status).toBe("failed");
    // Only the parent's own step reached the provider.
    expect(fake.requests.length - before).toBe(1);
    const refused = childEvents.find((event) => event.type === 'step.failed');
    expect(refused).toMatchObject({ nodeId: 'ask', error: { code: 'budget', message: expect.stringMatching(/^budget exceeded: spent \$0\.0000\d+ of \$0\.00050, this step needs up to \$0\.0006/) } });
    expect(events.find((event) => event.type === 'run.failed')).toMatchObject({ error: { code: 'child-failed', nodeId: 'call' } });
  });

  it('runs, and counts the child in the parent run, when it fits', async () => {
    const before = fake.requests.length;
    const { status, events, childEvents } = await runParent(0.01);
    expect(status).toBe('succeeded');
    expect(fake.requests.length - before).toBe(2);
    const childCost = childEvents.find((event) => event.type === 'run.succeeded')!;
    const parentEnd = events.find((event) => event.type === 'run.succeeded')!;
    expect(childCost.type === 'run.succeeded' && childCost.costUsd).toBeGreaterThan(0);
    // Both model steps' costs: the parent's own, and the child's rolled up into "call".
    const own = (10 * 0.15 + 5 * 0.6) / 1e6;
    expect(parentEnd.type === 'run.succeeded' && parentEnd.costUsd).toBeCloseTo(own * 2, 12);
  });
});
