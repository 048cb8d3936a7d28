/**
 * Spend caps across runs through the real server: runs started at once against a fake
 * OpenAI-compatible server that counts requests, the cap held before sending and settled after.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Flow } from '../../shared/flow.ts';
import { OPENAI_PRICES, worstCaseUsd } from '../../shared/pricing.ts';
import type { SpendCap } from '../../shared/spend-caps.ts';
import { flow } from '../../shared/testing/flow-builder.ts';
import type { ChatMessage } from '../engine/services.ts';
import { promptTokenCount } from '../executors/model/model-prompt.ts';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../providers/testing/fake-openai-server.ts';
import { TEST_API_KEY } from '../providers/testing/fake-provider.ts';
import { countTokens } from '../providers/tokens.ts';
import { makeTempDirs, type TempDirs } from '../testing/temp-dirs.ts';
import { eventually, startTestServer, type TestServer } from '../testing/test-server.ts';

const MAX_TOKENS = 200;
const PROMPT = 'Summarise: {{text}}';
const TEXT = 'The printer on floor 3 is on fire again.';

let fake: FakeOpenAIServer;
let dirs: TempDirs;
let test: TestServer | undefined;

beforeEach(async () => {
  // Every reply costs exactly its worst case (the whole prompt, the whole token cap), so a cap
  // that covers N worst cases covers exactly N steps.
  fake = await startFakeOpenAIServer((request) => ({
    kind: 'text',
    chunks: ['A fire.'],
    delayMs: 20,
    usage: { prompt_tokens: promptTokenCount({ countTokens }, 'gpt-4o-mini', request.body.messages as ChatMessage[]), completion_tokens: request.body.max_completion_tokens as number },
  }));
  dirs = makeTempDirs();
});
afterEach(async () => {
  await test?.stop();
  test = undefined;
  await fake.close();
  dirs.remove();
});

/** What one summary step reserves and (with the fake above) costs. */
const stepUsd = worstCaseUsd(OPENAI_PRICES['gpt-4o-mini'], promptTokenCount({ countTokens }, 'gpt-4o-mini', [{ role: 'user', content: `Summarise: ${TEXT}` }]), MAX_TOKENS)!;

function summaryFlow(spendCaps?: SpendCap[]): Flow {
  return flow('summary', 'Summary')
    .input('ticket', { text: 'string' })
    .model('summarise', { prompt: PROMPT, maxTokens: MAX_TOKENS, retries: 0 })
    .output('result', { summary: 'string' })
    .wire('ticket.text', 'summarise.text')
    .wire('summarise.result', 'result.summary')
    .with(spendCaps ? { settings: { spendCaps } } : {})
    .build();
}

async function start(env: Record<string, string> = {}): Promise<TestServer> {
  test = await startTestServer({ dirs, env: { OPENAI_API_KEY: TEST_API_KEY, OPENAI_BASE_URL: fake.baseURL, ...env } });
  return test;
}

async function runAll(server: TestServer, subject: Flow, count: number): Promise<any[]> {
  const started = await Promise.all(Array.from({ length: count }, () => server.api.post('/api/runs', { flow: subject, inputs: { text: TEXT } })));
  expect(started.map((answer) => answer.status)).toEqual(Array(count).fill(201));
  return Promise.all(
    started.map((answer) =>
      eventually(async () => {
        const state = (await server.api.get(`/api/runs/${answer.body.runId}`)).body;
        return state.status === 'running' ? undefined : state;
      }, 60_000, 'the run to end'),
    ),
  );
}

describe('spend caps across runs', () => {
  it('lets 20 concurrent runs against a day cap that covers 7 steps make exactly 7 requests', async () => {
    const server = await start();
    const states = await runAll(server, summaryFlow([{ period: 'day', usd: stepUsd * 7.5, timeZone: 'Europe/Berlin' }]), 20);
    expect(fake.requests).toHaveLength(7);
    expect(states.filter((state) => state.status === 'succeeded')).toHaveLength(7);
    const refused = states.filter((state) => state.status === 'failed');
    expect(refused).toHaveLength(13);
    for (const state of refused) {
      expect(state.steps.summarise.error.code).toBe('spend-cap');
      expect(state.steps.summarise.error.message).toMatch(/^spend cap reached: flow "summary" may spend \$[\d.]+ per day \(\d{4}-\d\d-\d\d, Europe\/Berlin\); spent \$[\d.]+.*, this step needs up to \$[\d.]+$/);
    }
  });

  it('counts what earlier runs spent, read from their logs when the server starts again', async () => {
    const caps: SpendCap[] = [{ period: 'month', usd: stepUsd * 2.5 }];
    const first = await start();
    const before = await runAll(first, summaryFlow(caps), 2);
    expect(before.map((state) => state.status)).toEqual(['succeeded', 'succeeded']);
    await first.stop();
    const second = await start();
    const [after] = await runAll(second, summaryFlow(caps), 1);
    expect(after.status).toBe('failed');
    expect(after.steps.summarise.error.message).toContain('per month');
    expect(fake.requests).toHaveLength(2);
  });

  it('releases a reservation when the request fails, so the next step can use it', async () => {
    const server = await start();
    fake.reply({ kind: 'status', status: 400, message: 'bad request' });
    const subject = summaryFlow([{ period: 'day', usd: stepUsd * 1.5 }]);
    const [failed] = await runAll(server, subject, 1);
    expect(failed.status).toBe('failed');
    expect(failed.steps.summarise.error.code).not.toBe('spend-cap');
    const [next] = await runAll(server, subject, 1);
    expect(next.status).toBe('succeeded');
    const [over] = await runAll(server, subject, 1);
    expect(over.steps.summarise.error.code).toBe('spend-cap');
    expect(fake.requests).toHaveLength(2);
  });

  it('holds a server-wide day cap (WEFT_SPEND_CAP_DAY_USD) over every flow', async () => {
    const server = await start({ WEFT_SPEND_CAP_DAY_USD: (stepUsd * 3.5).toFixed(6) });
    const states = await runAll(server, summaryFlow(), 6);
    expect(fake.requests).toHaveLength(3);
    const refused = states.filter((state) => state.status === 'failed');
    expect(refused).toHaveLength(3);
    expect(refused[0].steps.summarise.error.message).toContain('the server (WEFT_SPEND_CAP_DAY_USD) may spend');
  });

  it('refuses a bad WEFT_SPEND_CAP_DAY_USD at start, naming the variable', async () => {
    await expect(start({ WEFT_SPEND_CAP_DAY_USD: '-3' })).rejects.toThrow(/WEFT_SPEND_CAP_DAY_USD: must be a dollar amount above 0/);
  });
});
