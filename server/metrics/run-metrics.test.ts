/** `GET /metrics` through the real server: the counts equal the runs made. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flow } from '../../shared/testing/flow-builder.ts';
import { startFakeOpenAIServer, textReply, type FakeOpenAIServer } from '../providers/testing/fake-openai-server.ts';
import { TEST_API_KEY } from '../providers/testing/fake-provider.ts';
import { echoFlow, reviewFlow } from '../testing/fixture-flows.ts';
import { eventually, startTestServer, type TestServer } from '../testing/test-server.ts';
import { connectSocket } from '../testing/ws-client.ts';

let test: TestServer;
let fake: FakeOpenAIServer;
const askFlow = flow('ask', 'Ask a model').input('ticket', { text: 'string' }).model('ask', { retries: 0 }).output('result', { answer: 'string' }).wire('ticket.text', 'ask.text').wire('ask.result', 'result.answer').build();

beforeAll(async () => {
  fake = await startFakeOpenAIServer();
  test = await startTestServer({ env: { OPENAI_API_KEY: TEST_API_KEY, OPENAI_BASE_URL: fake.baseURL } });
  for (const saved of [echoFlow(), reviewFlow(), askFlow]) expect((await test.api.put(`/api/flows/${saved.id}`, saved)).status).toBe(201);
});
afterAll(async () => {
  await test.close();
  await fake.close();
});

/** The value of the sample whose name and labels match, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const has = Object.entries(labels).every(([key, value]) => (match[2] ?? '').split(',').includes(`${key}="${value}"`));
    if (has) return Number(match[3]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  it('counts runs, steps, tokens, cost, approvals and WebSocket clients as they happened', async () => {
    for (let index = 0; index < 3; index++) expect((await test.api.post('/api/flows/echo/invoke', { inputs: { text: `n${index}` } })).status).toBe(200);
    for (let index = 0; index < 2; index++) expect((await test.api.post('/api/flows/review/invoke', { inputs: { text: 'check' } })).status).toBe(202);
    fake.reply(textReply('fine', { usage: { prompt_tokens: 1000, completion_tokens: 500 } }));
    const asked = await test.api.post('/api/flows/ask/invoke', { inputs: { text: 'why?' } });
    expect(asked.status).toBe(200);
    const socket = await connectSocket(test.wsUrl);

    const response = await test.api.get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.text;
    expect(sample(text, 'weft_runs_started_total', { flow: 'echo' })).toBe(3);
    expect(sample(text, 'weft_runs_finished_total', { flow: 'echo', status: 'succeeded' })).toBe(3);
    expect(sample(text, 'weft_runs_started_total', { flow: 'review' })).toBe(2);
    expect(sample(text, 'weft_runs_finished_total', { flow: 'review', status: 'succeeded' })).toBeUndefined();
    expect(sample(text, 'weft_approvals_waiting')).toBe(2);
    expect(sample(text, 'weft_step_duration_seconds_count', { kind: 'output', status: 'succeeded' })).toBe(4);
    expect(sample(text, 'weft_step_duration_seconds_count', { kind: 'model', status: 'succeeded' })).toBe(1);
    expect(sample(text, 'weft_model_tokens_total', { model: 'gpt-4o-mini', direction: 'input' })).toBe(1000);
    expect(sample(text, 'weft_model_tokens_total', { model: 'gpt-4o-mini', direction: 'output' })).toBe(500);
    expect(sample(text, 'weft_model_cost_usd_total', { model: 'gpt-4o-mini' })).toBeCloseTo(asked.body.costUsd, 12);
    expect(asked.body.costUsd).toBeGreaterThan(0);
    expect(sample(text, 'weft_budget_refusals_total')).toBeUndefined();
    expect(sample(text, 'weft_sandbox_queue_depth')).toBe(0);
    expect(sample(text, 'weft_websocket_clients')).toBe(1);
    await socket.close();
    await eventually(async () => (sample((await test.api.get('/metrics')).text, 'weft_websocket_clients') === 0 ? true : undefined), 5_000, 'the socket to close');
  });

  it('is behind the admin token when one is set', async () => {
    const guarded = await startTestServer({ config: { token: 'metrics-admin-token' } });
    try {
      expect((await guarded.api.get('/metrics')).status).toBe(401);
      expect((await guarded.api.get('/metrics', { authorization: 'Bearer metrics-admin-token' })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
